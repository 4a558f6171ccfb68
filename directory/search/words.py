"""Words that ask for nothing, and words spelling help never changes: English stop words, contractions as people
type them (with or without the apostrophe: "wont" is "won't", not a misspelt "want"), everyday words about
children and families that a listing need not use, and the filler words of a question. Language data, not a
council's: it belongs with the code that reads queries."""

import functools

from spellchecker import SpellChecker
from whoosh.analysis import STOP_WORDS

CONTRACTIONS = frozenset("""
    aint arent cant couldnt didnt doesnt dont hadnt hasnt havent hes id ill im isnt itd itll ive lets mightnt
    mustnt neednt shant shed shell shes shouldnt thats theres theyd theyll theyre theyve wasnt wed well were werent
    weve whats wheres whos wont wouldnt youd youll youre youve
""".split())

EVERYDAY = frozenset("""
    about after again all also always any anyone around because been before being both but child childs children
    could daughter daughters does doing down each even ever every family get gets getting going gone good got had
    has help her here him his how into just keep kid kids know like little lot lots make many me more most much
    must my need needs never new nothing now off old once one only other our out over people please really same
    school see she should since so some son sons still such take teen teenager than their them then there these
    they thing things think those though through too toddler try two under until very want wants was way well
    went were what where which while who why would year years young
""".split())

LEAVE_ALONE = frozenset(STOP_WORDS) | CONTRACTIONS | EVERYDAY

# Words in a question that say who is asking or how, not what for ("how do i get an ehcp for my child"): a query
# drops them unless they are part of a thesaurus phrase ("won't talk", "special needs").
FILLER = frozenset(STOP_WORDS) | CONTRACTIONS | frozenset("""
    am any anyone anything child childs children could daughter daughters did do does doing get gets getting got
    he help her hers him his how i im is it kid kids me mine my need needs old our please really should so some son
    sons she their them they there trying very want wants was what where which who why would year years yr yrs
    always never constantly keeps keep just still lot lots much quite bit been had has having seems seem lately
    recently currently anymore often sometimes ever know think thinks also were about being other others
    anything everything something every all because again both each even then home but no without while whilst
    after before since through upon too enough now us
""".split())

# Little words that change what a phrase means ("shut down", "out of school", "moving up", "mixes up") but ask for
# nothing alone: never a concept of a query by themselves.
PARTICLES = frozenset("up down out off over under on in away back along".split())

# Phrases that say how the person asking feels or what they are doing, not what they need: "i'm worried about my
# baby's development" asks about development, not anxiety ("worried about school" and "worried all the time" are
# still anxiety). A query drops them unless a longer thesaurus phrase holds them ("worried about a child").
STANCE_PHRASES = frozenset(tuple(phrase.split()) for phrase in """
    worried about my|worried about our|worried about his|worried about her|worried about their|worried about the
    concerned about my|concerned about our|concerned about his|concerned about her|concerned about their
    concerned about the|worried that|concerned that|i am worried|i m worried|im worried|we are worried
    we re worried|were worried|looking for|near me|close to me|what do i do|what can i do|where do i go
    where can i go|who can help|can anyone help|can someone help
""".replace("\n", "|").split("|") if phrase.strip())


# Texting shorthand and the words it stands for ("cnt cope wiv his meltdowns"): a query is read as the words before
# anything else reads it. A few are words too ("cos", "wat"), but are not meant so in a search here; single letters
# are left alone (they may spell an abbreviation out: "s e n d").
SHORTHAND = {
    "cnt": "cant", "carnt": "cant", "dnt": "dont", "dsnt": "doesnt", "wnt": "wont", "wiv": "with",
    "wivout": "without", "wud": "would", "shud": "should", "cud": "could", "coz": "because",
    "cos": "because", "cuz": "because", "bcos": "because", "bcoz": "because", "bc": "because", "pls": "please",
    "plz": "please", "ppl": "people", "tho": "though", "thru": "through", "nite": "night", "lil": "little",
    "sch": "school", "skool": "school", "skl": "school", "abt": "about", "wat": "what", "wot": "what",
    "wen": "when", "ur": "your", "b4": "before", "2day": "today", "2moro": "tomorrow", "2morrow": "tomorrow",
    "probs": "problems", "hrs": "hours", "mths": "months", "mnths": "months", "wk": "week", "wks": "weeks",
    "idk": "i dont know", "dunno": "dont know", "atm": "at the moment", "wanna": "want to", "gonna": "going to",
    "gotta": "got to", "tbh": "to be honest", "luv": "love", "bf": "boyfriend", "gf": "girlfriend", "brk": "break",
}


# "2" and "4" typed for "to" and "for", read so only before a word no count goes with ("get him 2 school", "help 4
# my son"; "2 words", "4 year old" and "2 a day" stay numbers).
NUMBER_WORDS = {"2": "to", "4": "for"}
NOT_COUNTED = frozenset("me him her them us you my his their our your the school bed sleep".split())


def as_meant(query_words: list[str]) -> list[str]:
    """The words of a query with texting shorthand spelled out (SHORTHAND, NUMBER_WORDS) and a dropped g put back:
    "talkin" is "talking" when "talkin" is no English word and "talking" is."""
    out = []
    for i, word in enumerate(query_words):
        if word in NUMBER_WORDS and i + 1 < len(query_words) and query_words[i + 1] in NOT_COUNTED:
            out.append(NUMBER_WORDS[word])
        elif word in SHORTHAND:
            out.extend(SHORTHAND[word].split())
        elif len(word) >= 4 and word.endswith("in") and not is_english(word) and is_english(word + "g"):
            out.append(word + "g")
        else:
            out.append(word)
    return out


@functools.cache
def _english() -> frozenset[str]:
    """English words in common use: pyspellchecker's list, counted from film and television subtitles (about
    160,000 words, US spellings; the directory's own words and the thesaurus cover the British ones). Loaded
    once, in about a tenth of a second, the first time a query has a word the directory does not know."""
    return frozenset(SpellChecker(language="en", distance=1).word_frequency.keys())


def is_english(word: str) -> bool:
    """Whether a lower-case word is an English word in common use ("hits", "beige", "floor"), which spelling help
    must not change into one of the directory's words ("hubs", "being", "for") just because it is near."""
    return word in _english()
