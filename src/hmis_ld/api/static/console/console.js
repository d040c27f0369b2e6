// The query console: sign in, then query /api/v1/sparql with YASGUI.
// The token lives in this closure only: never in a cookie, the URL or web storage.
"use strict";

(() => {
  const root = document.getElementById("console");
  const here = (path) => new URL(path, window.location.href).href;
  const endpoint = here(root.dataset.endpoint);
  const status = document.getElementById("status");
  let token = null;

  const say = (text, isError = false) => {
    status.textContent = text;
    status.classList.toggle("error", isError);
  };
  const bearer = () => (token ? { Authorization: `Bearer ${token}` } : {});

  // Completion from this server only: no prefix.cc, no Linked Open Vocabularies. The
  // model's classes and properties take the place of the remote class and property lists.
  const terms = fetch(here(root.dataset.terms)).then((r) => r.json());
  const Yasqe = Yasgui.Yasqe;
  const termCompleter = (from, name, kind) => Yasqe.forkAutocompleter(from, {
    name, bulk: true, autoShow: true, get: () => terms.then((t) => t[kind]),
  });
  termCompleter("class", "hmisClasses", "classes");
  termCompleter("property", "hmisProperties", "properties");
  const remote = ["class", "property"];
  Yasqe.defaults.autocompleters.splice(0, Infinity,
    ...Yasqe.defaults.autocompleters.filter((name) => !remote.includes(name)));
  Yasqe.defaults.prefixCcApi = null;
  // Prefix completion: our two namespaces, then YASGUI's bundled list, kept out of local storage.
  const bundled = Yasqe.Autocompleters.prefixes;
  const ours = ["hmis: <urn:hud:hmis:owl#>", "ext: <urn:hmis-ld:ext#>"];
  Yasqe.Autocompleters.prefixes = {
    ...bundled, persistenceId: null,
    get: (yasqe, token) => Promise.resolve(bundled.get(yasqe, token)).then((list) => [...ours, ...list]),
  };

  const starter = [
    "PREFIX hmis: <urn:hud:hmis:owl#>",
    "PREFIX ext: <urn:hmis-ld:ext#>",
    "",
    "SELECT ?project ?name WHERE {",
    "  ?project a hmis:Project ;",
    "           hmis:ProjectName ?name .",
    "}",
    "LIMIT 20",
    "",
  ].join("\n");

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: null,            // no queries or results in local storage
    populateFromUrl: false,
    autofocus: false,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
    requestConfig: {
      endpoint,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      headers: bearer,
    },
    yasqe: { value: starter },
    yasr: {
      persistenceId: null,
      prefixes: {
        hmis: "urn:hud:hmis:owl#", ext: "urn:hmis-ld:ext#", xsd: "http://www.w3.org/2001/XMLSchema#",
        rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#", rdfs: "http://www.w3.org/2000/01/rdf-schema#",
      },
    },
  });

  const current = () => yasgui.getTab();

  const signedIn = (label) => {
    document.getElementById("signin").hidden = true;
    document.getElementById("session").hidden = false;
    document.getElementById("who").textContent = label;
    say("Signed in. Write a query, or pick an example, and run it (Ctrl-Enter).");
    loadExamples();
  };

  // What the token says about itself, for display only: the server checks it on every query.
  const describe = (jwt) => {
    try {
      const claims = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      const until = claims.exp ? `, until ${new Date(claims.exp * 1000).toLocaleTimeString()}` : "";
      return `Signed in as ${claims.sub || "?"}${until}.`;
    } catch {
      return "Signed in with a token.";
    }
  };

  document.getElementById("credentials").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: form.client_id.value.trim(),
      client_secret: form.client_secret.value,
    });
    say("Signing in…");
    let answer;
    try {
      answer = await fetch(here(root.dataset.token), { method: "POST", body, credentials: "omit" });
    } catch (error) {
      say(`The server did not answer: ${error.message}`, true);
      return;
    }
    const json = await answer.json().catch(() => ({}));
    form.client_secret.value = "";
    if (!answer.ok) {
      say(`Sign-in refused: ${json.detail || json.error_description || json.title || answer.status}`, true);
      return;
    }
    token = json.access_token;
    const scopes = (json.scope || "").split(" ");
    signedIn(`${describe(token)}${scopes.includes("sparql") ? "" : " This account lacks the sparql grant: queries will be refused."}`);
  });

  document.getElementById("paste").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = event.target.token;
    token = field.value.trim().replace(/^Bearer\s+/i, "");
    field.value = "";
    signedIn(describe(token));
  });

  document.getElementById("sign-out").addEventListener("click", () => {
    token = null;
    document.getElementById("session").hidden = true;
    document.getElementById("signin").hidden = false;
    say("Signed out: the token is forgotten.");
  });

  // The SPARQL endpoint's examples, one per baseline scenario: [{name, title, query}].
  let examples = [];
  const loadExamples = async () => {
    try {
      const answer = await fetch(here(root.dataset.examples), { headers: { Accept: "application/json", ...bearer() } });
      examples = answer.ok ? await answer.json() : [];
    } catch {
      examples = [];
    }
    const picker = document.getElementById("examples");
    picker.replaceChildren(picker.options[0]);
    for (const [index, example] of examples.entries()) {
      picker.add(new Option(example.title, String(index)));
    }
  };

  document.getElementById("examples").addEventListener("change", (event) => {
    const example = examples[Number(event.target.value)];
    if (!example) return;
    current().setQuery(example.query);
    event.target.value = "";
    say(`Loaded “${example.title}”. Run it with the play button or Ctrl-Enter.`);
  });
})();
