"""Given and family names the generated people carry: common US names, a few with apostrophes,
spaces or hyphens, which name matching and search must cope with."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- names (common US given and family names; a few with apostrophes, spaces or hyphens) ---
FEMALE = _words("""
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra
Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca
Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine
Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria
Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha
Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia
Grace Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla
Alexis Lori Marie Tiffany Rosa Crystal Tamara Yolanda Latoya Keisha Tanisha Shanice Ebony Aaliyah
Imani Jasmine Destiny Guadalupe Carmen Lucia Ana Juana Veronica Alejandra Yesenia Mariana Leticia
Esperanza Mei Linh Aisha Fatima Amina Leilani Winona Brianna Kiara Tasha Monique Shawna Renee Wanda
Valerie Gina Tonya Stacy Dawn Paula Vanessa Erica Rhonda Felicia Sheila Kendra Bonnie Robin
""")
MALE = _words("""
James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew
Anthony Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian Timothy Ronald George Jason Edward
Jeffrey Ryan Jacob Nicholas Gary Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel
Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary
Douglas Peter Kyle Noah Ethan Jeremy Christian Walter Keith Austin Roger Terry Sean Gerald Carl Dylan
Harold Jordan Jesse Bryan Lawrence Arthur Gabriel Bruce Logan Billy Joe Alan Juan Elijah Willie
Albert Wayne Randy Mason Vincent Liam Roy Bobby Caleb Bradley Russell Lucas Darnell Terrell Jamal
DeShawn Tyrone Marquis Darius Andre Malik Luis Carlos Miguel Jorge Pedro Manuel Ricardo Alejandro
Javier Fernando Rafael Hector Minh Tuan Hung Omar Ahmed Mohamed Hassan Ali Ibrahim Kai Cody Travis
Dustin Shane Derek Marcus Curtis Calvin Reginald Leroy Clarence Earl Floyd Lonnie Cedric Rodney Troy
Darryl Maurice Dwayne
""")
LAST = _words("""
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz
Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson
Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray
Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins
Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero
Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant
Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison Fernandez
McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford
Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer
Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels
Ferguson Nichols Stephens Soto Weaver Gardner Payne Grant Dunn Spencer Hawkins Arnold Pierce
Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll
Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews Pena Richards
Contreras Willis Carpenter Lawrence Sandoval Guerrero Chapman Rios Estrada Ortega Watkins Greene
Nunez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin Carlson Dominguez Carr
Lawson Jacobs O'Brien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean
Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas
Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson
Acosta Brewer Holland Juarez Newman Pearson Cortez Schneider Barrett Navarro Figueroa Keller Avila
Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig
Ayala Lowe Frazier Powers Neal Leonard Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris
Jennings Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Barker Hale Benson
Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman
Dawson Lara Fletcher Page McCarthy Robles Cervantes Solis Erickson Reeves Chang Klein Salinas
Fuentes Baldwin Velasquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Robbins
Liu Ramsey Griffith Blair O'Connor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas Khan
Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry Harmon Gross Doyle Garner
Newton Burgess Reese Walton Blake Trujillo Adkins Brady Goodman Roman Webster Goodwin Fischer Huang
Potter Montoya Todd Wu Hines Mullins Castaneda Malone Cannon Tate Sherman Hubbard Hodges Zhang
Guerra Valencia Saunders Franco Rowe Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos
Vang Xiong Begay Yazzie Tsosie Kaur Ahmed Hussein Abdi Mohamud Okafor Mensah Kowalski Nowak Ivanov
Garcia-Lopez Smith-Jones Perez-Rivera St.Clair
""") + ("De La Cruz", "Van Dyke")
NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Richard": "Rick", "James": "Jim", "Joseph": "Joe",
    "Michael": "Mike", "Christopher": "Chris", "Anthony": "Tony", "Thomas": "Tom", "Daniel": "Dan",
    "Alexander": "Alex", "Jonathan": "Jon", "Elizabeth": "Liz", "Katherine": "Kate", "Jennifer": "Jen",
    "Patricia": "Patty", "Margaret": "Peggy", "Jessica": "Jess", "Rebecca": "Becky", "Samantha": "Sam",
    "Kimberly": "Kim", "Deborah": "Debbie", "Victoria": "Vicky", "Stephanie": "Steph",
}
SUFFIXES = ("Jr.", "Sr.", "II", "III")
