"""Search: one package, each module for one job.

- index: the Whoosh index on disk, its documents' fields and weights, and searching it (soft AND, ranking,
  spelling help). `SearchIndex`, `SearchRequest` and `SearchResults` are what the rest of the code uses.
- scoring, spelling: what the index's searches are built from (document-number sets, scores kept per index
  generation, the best-field query; letters swapped and words run together).
- synonyms, words: reading a query with the thesaurus, and the language data it needs (filler words,
  contractions, English words spelling help leaves alone).
- learned, learning: what people typing words like these have wanted, a model learned from judged searches and
  fused with the words' ranking; training it (`flask search learn`, with scikit-learn).
- documents: what the index holds for each service, read from the database.
- sync: the index follows committed listing changes (and the thesaurus) in this process; `get_index`.
- follow, state: one follower per index folder on several servers, and its record of what it applied.
- quality: judged queries and the measures (success@5, MRR, nDCG@10) against a naive baseline.
"""

from directory.search.index import FACETS, PAGE_SIZE, SearchIndex, SearchRequest, SearchResults, SearchUnavailable

__all__ = ["FACETS", "PAGE_SIZE", "SearchIndex", "SearchRequest", "SearchResults", "SearchUnavailable"]
