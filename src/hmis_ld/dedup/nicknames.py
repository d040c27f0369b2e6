"""Given names that are the same name: English and Spanish nicknames and common translations.

Each line is one group, the formal name first. Equivalence is membership of a common group
and is not transitive: Al is Albert and Alfred, but Albert is not Alfred.
"""

from __future__ import annotations

from functools import lru_cache

MIN_TRUNCATION = 3

_GROUPS = """
abraham abe bram
albert al bert bertie
alexander alex al alec lex sandy xander alejandro
alfred al alf alfie fred freddie freddy
allen al
andrew andy drew andres
anthony tony ant antonio
arthur art artie
augustine gus augie agustin
benjamin ben benny benji
bernard bernie bernardo
bradley brad
calvin cal
charles charlie chuck chas chaz chip carlos
christopher chris kit topher cristobal
clifford cliff
cornelius neil connie
curtis curt
daniel dan danny dani
david dave davey davy
dennis denny
donald don donnie
douglas doug
edward ed eddie ned ted teddy eduardo
edwin ed eddie
eugene gene
ezekiel zeke
francis frank fran frankie
franklin frank frankie
frederick fred freddie freddy fritz
gabriel gabe gabby
gerald gerry jerry
gregory greg
harold hal harry
henry hank harry hal enrique
herbert herb
isaac ike
jacob jake
james jim jimmy jamie jimbo jaime
jeffrey jeff geoffrey
jeremiah jerry jeremy
jerome jerry
john johnny jack jon juan
jonathan jon jonny nathan
joseph joe joey jo jose
joshua josh
kenneth ken kenny
lawrence larry lorenzo
leroy roy lee
leonard len lenny leo
louis lou louie luis
matthew matt matty mateo
michael mike mikey mick mickey miguel
nathaniel nate nathan nat
nicholas nick nicky nico nicolas
patrick pat paddy patricio
peter pete pedro
philip phil phillip felipe
raymond ray ramon
reginald reggie reg
richard rick ricky dick rich richie ricardo
robert bob bobby rob robbie bert roberto
ronald ron ronnie
russell russ rusty
samuel sam sammy
stephen steve stevie steven esteban
terrence terry
theodore ted teddy theo
thomas tom tommy tomas
timothy tim timmy
tyrone ty
vincent vince vinny
walter walt wally
william bill billy will willie liam guillermo
zachary zach zack
abigail abby gail
alexandra alex sandra sandy lexi alejandra
alice allie alicia
alexis lexi alex
amanda mandy
angela angie
barbara barb barbie babs
beatrice bea
catherine cathy kathy kate katie kat kay catalina
katherine kathy kate katie kat kay
kathryn kathy kate katie kat kay
kathleen kathy kate katie kat kay
christina chris tina chrissy cristina
christine chris tina chrissy
cynthia cindy
deborah deb debbie debra
dorothy dot dottie dolly
eleanor ellie nell nora
elizabeth liz lizzie beth betty betsy eliza libby bess isabel
emily em emmy
frances fran frannie francisca
gwendolyn gwen
jacqueline jackie
janet jan
jennifer jen jenny
jessica jess jessie
josephine jo josie josefina
judith judy
kimberly kim
margaret maggie meg peggy marge margie greta margarita
mary mari molly maria
patricia pat patty trish tricia
pamela pam
rebecca becky becca
samantha sam sammy
sandra sandy
stephanie steph
susan sue susie susana
suzanne sue suzy
teresa terry tess tere theresa
valerie val
victoria vicky tori
virginia ginny
veronica ronnie vero
sharon shari
ann anna annie ana
jose pepe chepe joe
francisco paco pancho frank cisco kiko
guadalupe lupe lupita
jesus chuy chucho
ignacio nacho
enrique kike quique
eduardo lalo
alejandro jando ale
roberto beto tito
alberto beto
guillermo memo
manuel manny manolo
concepcion concha conchita
rosario charo
mercedes meche
consuelo chelo
rafael rafa rafi
antonio tono tonio
luis lucho
gerardo jerry lalo
fernando nando fer
javier javi
santiago santi
isabel isa chabela bella
josefina pepa chepa
graciela chela
esperanza espe
rodrigo rigo
armando mando
reynaldo rey
salvador chava
dolores lola loli
"""


_LINES = [line.split() for line in _GROUPS.splitlines() if line.strip()]
_FORMAL = {number: line[0] for number, line in enumerate(_LINES)}


def _membership() -> dict[str, frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for number, line in enumerate(_LINES):
        for name in line:
            groups.setdefault(name, set()).add(number)
    return {name: frozenset(numbers) for name, numbers in groups.items()}


_MEMBERSHIP = _membership()
PAIRS = sum(len(line) - 1 for line in _LINES)


def same_given_name(a: str, b: str) -> bool:
    """Nicknames of one another, or one cut short (Chris, Christopher; Dom, Dominic): most
    nicknames are truncations, so those missing from the table are still caught."""
    short, long_ = sorted((a, b), key=len)
    if len(short) >= MIN_TRUNCATION and long_.startswith(short):
        return True
    return bool(_MEMBERSHIP.get(a, frozenset()) & _MEMBERSHIP.get(b, frozenset()))


@lru_cache(maxsize=1 << 14)
def formal_names(key: str) -> frozenset[str]:
    """The formal names a given name may stand for (itself when it is no known nickname)."""
    return frozenset(_FORMAL[g] for g in _MEMBERSHIP.get(key, ())) or frozenset({key})
