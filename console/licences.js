// Prints name, version, licence and licence text of every package package-lock.json
// installs: the YASGUI bundle holds them all.
const fs = require("fs");
const path = require("path");

const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const names = /^(LICEN[CS]E|COPYING)(\.md|\.txt)?$/i;
for (const [where, info] of Object.entries(lock.packages)) {
  if (!where) continue;
  const files = fs.existsSync(where) ? fs.readdirSync(where).filter((f) => names.test(f)) : [];
  const text = files.map((f) => fs.readFileSync(path.join(where, f), "utf8").trim()).join("\n\n");
  const name = where.replace(/^.*node_modules\//, "");
  console.log(`${name} ${info.version} (${info.license || "see its package"})\n\n${text || "(no licence file shipped)"}\n\n${"-".repeat(72)}\n`);
}
