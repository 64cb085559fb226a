#pragma once
/* A scenario is everything maskscope computes from: the sentences, the
 * vocabulary, padding side, model width, seed, per-token losses and the
 * masked-language-modelling batch. scenario_default() is the notebook's
 * running example. Ownership: every Scenario* returned here is freed by
 * the caller with scenario_free. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef MS_MAX_SENTENCES
#define MS_MAX_SENTENCES 64
#endif
#ifndef MS_MAX_SEQ_LEN
#define MS_MAX_SEQ_LEN 4096
#endif
/* words are looked up linearly while loading; 8192 keeps a hostile
 * file's load well under a second */
#ifndef MS_MAX_VOCAB
#define MS_MAX_VOCAB 8192
#endif
#ifndef MS_MAX_D_MODEL
#define MS_MAX_D_MODEL 64
#endif
#ifndef MS_MAX_WORD_BYTES
#define MS_MAX_WORD_BYTES 64
#endif
#ifndef MS_MAX_TOKEN_ID
#define MS_MAX_TOKEN_ID 1000000000
#endif
/* the largest per-token loss a file may give. Finite is not enough: the
 * masked mean sums B*L losses (2^18 at most with the default limits), and
 * that sum must stay finite too; 10^6 keeps it below 3e11 and is beyond
 * any cross-entropy a lesson shows (-ln 1e-300 is about 691) */
#ifndef MS_MAX_LOSS
#define MS_MAX_LOSS 1e6
#endif
/* B*L*L attention cells, bounds memory and time: one sentence of 4096
 * tokens (about 1 GiB and a few seconds); 64 sentences of 4096 would be 8 GiB. */
#ifndef MS_MAX_ATTN_CELLS
#define MS_MAX_ATTN_CELLS (1u << 24)
#endif

/* global tokens a scenario may name */
#ifndef MS_MAX_GLOBAL
#define MS_MAX_GLOBAL 64
#endif
/* the largest sliding window (W), prefix (P) or sink count (S) */
#ifndef MS_MAX_WINDOW
#define MS_MAX_WINDOW MS_MAX_SEQ_LEN
#endif

/* tokens mode decode generates per prompt ("generate"): at most 10, so
 * that with its five other steps every decode step has a chip in the
 * window's strip of 16 */
#ifndef MS_MAX_GENERATE
#define MS_MAX_GENERATE 10
#endif
#define SCENARIO_GENERATE 3

/* seeds are whole numbers JSON holds exactly: 0 … 2^53 - 1 */
#define SCENARIO_MAX_SEED 9007199254740991LL

#define SCENARIO_PAD_WORD "[PAD]"
#define SCENARIO_MASK_WORD "[MASK]"

typedef enum ScenarioPadding { SCENARIO_PAD_RIGHT, SCENARIO_PAD_LEFT } ScenarioPadding;

/* What softmax does with a row whose every key is masked. */
typedef enum ScenarioNanPolicy {
    SCENARIO_ROWS_ZERO, /* weights 0, row flagged (default) */
    SCENARIO_ROWS_NAN,  /* NaN, exactly as torch.softmax gives */
} ScenarioNanPolicy;

/* How BERT chooses the positions to predict (scenario key bert.selection). */
typedef enum ScenarioBertSelection {
    SCENARIO_BERT_BERNOULLI, /* each position (or word) with probability p: Hugging Face's collator */
    SCENARIO_BERT_COUNT,     /* exactly min(max_predictions, max(1, round(p·n))): the original BERT code */
    SCENARIO_BERT_SPAN,      /* SpanBERT: spans of Geo(0.2) words (at most 10) until ceil(p·n) are covered */
} ScenarioBertSelection;

/* BERT's masked-LM corruption (mode bert; corrupt.h draws it). */
typedef struct ScenarioBert {
    double probability;             /* p: 0.15 */
    uint64_t seed;                  /* the draw's seed: the scenario's seed unless given */
    ScenarioBertSelection selection;
    int max_predictions;            /* the count selection's cap: 20, as BERT's max_predictions_per_seq */
    bool whole_word;                /* a word's "##" pieces are chosen together */
} ScenarioBert;

/* T5's span corruption (mode t5; corrupt.h draws it). */
typedef struct ScenarioT5 {
    double noise_density;           /* 0.15 */
    double mean_span_length;        /* 3 */
    uint64_t seed;                  /* the draw's seed: the scenario's seed unless given */
} ScenarioT5;

/* One list of token ids per sentence. */
typedef struct Sentences {
    int count;
    int *lengths;
    int **ids;
} Sentences;

typedef struct Vocab {
    int count;
    char **words;
    int *ids;
} Vocab;

typedef struct Scenario {
    char *name;           /* file name or "running example" */
    Vocab vocab;          /* word -> id, in order of definition */
    Vocab id_labels;      /* ids given without a word, labelled "#42"; not words */
    int pad_id, mask_id;
    ScenarioPadding padding;
    bool padding_given;   /* "padding" was written; mode decode pads on the left unless it was */
    int generate;         /* N: tokens mode decode generates per prompt, 1..MS_MAX_GENERATE (3) */
    int queries;          /* the new queries decode's alignment step checks at once (--queries); 0: generate's N */
    int d_model;
    uint64_t seed;
    ScenarioNanPolicy nan_policy;
    bool positions;       /* add sinusoidal positional encodings to the embeddings ("positions": "sinusoidal") */
    bool mask_query_rows; /* also mask padded query rows (rows and columns) */
    Sentences sentences;  /* the batch, before padding */
    double *losses;       /* [B*L] per-token losses in [0, MS_MAX_LOSS], or NULL: draw from seed */
    double *loss_weights; /* [B*L] weights in [0,1] for the loss mask, or NULL */
    Sentences mlm_source; /* the MLM batch's original tokens */
    bool **mlm_masked;    /* [sentence][position]: replaced by [MASK] */
    double *mlm_losses;   /* [B*L] for the MLM batch, or NULL: use losses */
    /* the wider family of attention masks (mask.h's terms read these) */
    int window;           /* W: keys a sliding window keeps, the query included (default 3) */
    int *prefix;          /* [B] P: the bidirectional prefix of each sentence, or NULL: half, rounded up */
    int sinks;            /* S: first tokens a sliding window always keeps (default 1) */
    int nglobal;          /* global tokens: word positions that see and are seen by every token */
    int global[MS_MAX_GLOBAL];
    int pack_length;      /* tokens per packed row; 0: all in one row when that fits MS_MAX_ATTN_CELLS */
    Sentences decoder;    /* cross-attention: the decoder's sentences, one per sentence */
    /* pretraining corruption of the sentences (corrupt.h) */
    ScenarioBert bert;
    ScenarioT5 t5;
} Scenario;

/* The prefix P of sentence s (the scenario's, or half the sentence rounded up). */
int scenario_prefix(const Scenario *sc, int s);

/* A number a mode lets the window change with [ and ]. */
typedef enum ScenarioSetting {
    SETTING_NONE,
    SETTING_WINDOW,      /* window (W) */
    SETTING_PREFIX,      /* prefix (P), the same for every sentence */
    SETTING_SINKS,       /* sinks (S) */
    SETTING_PACK_LENGTH, /* pack_length */
    SETTING_GENERATE,    /* generate (N) */
} ScenarioSetting;

/* The setting's value (for the prefix: sentence s's). */
int scenario_setting(const Scenario *sc, ScenarioSetting what, int s);
/* Sets it to value, kept within its valid range; false if that changes nothing. */
bool scenario_set(Scenario *sc, ScenarioSetting what, int value);

/* A random draw a mode shows, which the window's N draws anew. */
typedef enum ScenarioDraw {
    SCENARIO_DRAW_NONE,
    SCENARIO_DRAW_BERT, /* bert.seed */
    SCENARIO_DRAW_T5,   /* t5.seed */
} ScenarioDraw;

/* The draw's seed (0 for SCENARIO_DRAW_NONE). */
uint64_t scenario_draw_seed(const Scenario *sc, ScenarioDraw what);
/* Moves the draw to the next seed (after 2^53 - 1 comes 0); false for
 * SCENARIO_DRAW_NONE. */
bool scenario_redraw(Scenario *sc, ScenarioDraw what);

/* The first id no word, id or [PAD]/[MASK] uses: where ids made up
 * later (T5's sentinels) start. May exceed MS_MAX_TOKEN_ID. */
long long scenario_free_id(const Scenario *sc);

/* The notebook's running example: "The cat ate" / "The cat ate fish pie" /
 * "The cat ate fish", its batch_losses and its three masked sentences. */
Scenario *scenario_default(void);

/* Loads a JSON scenario file (schema in README.md). On failure returns
 * NULL and writes one line "file:line:column: field: problem" into err;
 * *io_error tells an unreadable file (exit 1) from bad input (exit 2). */
Scenario *scenario_load(const char *path, bool *io_error, char *err, size_t errlen);

/* The same from text in memory; name is used in messages. */
Scenario *scenario_parse(const char *text, size_t len, const char *name,
                         char *err, size_t errlen);

typedef struct Doc Doc;
typedef struct cJSON cJSON;
/* A scenario from a JSON object inside a larger document (a lesson's
 * inline "scenario"); errors point into that document. */
Scenario *scenario_from_doc(const Doc *doc, const cJSON *obj, const char *name, char *err, size_t errlen);

/* Frees a scenario; scenario_free(NULL) is a no-op. */
void scenario_free(Scenario *sc);

/* A deep copy (for edits such as toggling [MASK] in the window). */
Scenario *scenario_copy(const Scenario *sc);

/* The length of the longest sentence (L after padding). */
int scenario_longest(const Sentences *s);

/* The word for a token id: the vocabulary's, "[PAD]", "[MASK]", "#42" for
 * an id given without a word, or NULL. */
const char *scenario_word(const Scenario *sc, int id);

/* The id of a word: the vocabulary's, pad_id or mask_id for [PAD] and
 * [MASK], the id an id label ("#42") stands for; -1 for a word sc does not know. */
int scenario_word_id(const Scenario *sc, const char *word);

/* Sentence s as one line of words, as the window's editor shows it: the
 * vocabulary's words, [MASK], and "#42" for an id given without a word.
 * The caller frees it. */
char *scenario_sentence_text(const Scenario *sc, int s);

/* A copy of sc whose batch is the count lines, each tokenised as a
 * sentence string of a scenario file is, within the same limits: words
 * split on white space, [MASK] allowed and [PAD] not, a word the
 * vocabulary lacks gets the next free id (in order of appearance), and
 * "#42" (scenario_sentence_text's label of an id given without a word)
 * stands for that id. What depends on the sentences follows them (the
 * default decoder, prefixes, global positions, pack_length, losses of an
 * unchanged shape, an MLM batch that is the sentences; scenario.c says
 * how). NULL on a problem, with *bad the line at fault (-1: the batch as
 * a whole) and one line in err naming the sentence and what is wrong:
 * "sentence 2: word 3 is 70 bytes long; the limit is 64". The caller
 * frees the result with scenario_free. */
Scenario *scenario_with_sentences(const Scenario *sc, const char *const *lines, int count, int *bad, char *err,
                                  size_t errlen);

/* Whether the MLM batch is the sentences themselves (a file without
 * mlm.sentences), as opposed to a batch of its own (the running example's). */
bool scenario_mlm_is_batch(const Scenario *sc);
/* Whether decoder sentence s is the default: the first half of sentence s. */
bool scenario_decoder_is_default(const Scenario *sc, int s);

/* sc as the JSON text of a scenario file, which scenario_parse reads back
 * into the same scenario: its sentences (strings of words, or ids where an
 * id has no word), the whole vocabulary, the MLM batch with its [MASK]
 * positions, losses, weights and every setting. The caller frees it. */
char *scenario_to_json(const Scenario *sc);

/* Toggles [MASK] on token pos of MLM sentence s; false if out of range. */
bool scenario_toggle_mlm(Scenario *sc, int s, int pos);

/* Builds a scenario in code from sentence strings, the way a loader
 * would, with every other field at its default. NULL + err on bad words. */
Scenario *scenario_from_sentences(const char *const *sentences, int count,
                                  char *err, size_t errlen);
