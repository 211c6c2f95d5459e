/*
 * cxp_dds: the gateway's Node-API binding to Eclipse Cyclone DDS (libddsc).
 *
 * It moves serialized samples (CDR with its encapsulation header) between DDS and JavaScript and
 * nothing more: types are opaque (see rawtype.c), encoding and decoding happen in TypeScript.
 * Reader callbacks run on Cyclone's threads; each sample is copied once and handed to the JS thread
 * through a thread-safe function with a bounded queue. When JavaScript falls behind, new samples are
 * dropped and counted rather than queued without bound.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/ddsrt/heap.h"
#include "dds/version.h"

#include "rawtype.h"

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "DDS_NAPI", "Node-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value throw_dds(napi_env env, const char *what, dds_return_t rc) {
  char msg[256];
  snprintf(msg, sizeof(msg), "%s: %s", what, dds_strretcode(rc < 0 ? -rc : rc));
  napi_throw_error(env, "DDS_ERROR", msg);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "DDS_BAD_ARGUMENT", msg);
  return NULL;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  if (napi_create_int64(env, v, &out) != napi_ok) return NULL;
  return out;
}

static bool get_int32(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* A string argument into a malloc'd buffer (NULL on error, exception pending). */
static char *get_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    throw_type(env, "expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static bool get_named(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return false;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return false;
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}

static int32_t named_int(napi_env env, napi_value obj, const char *name, int32_t fallback) {
  napi_value v;
  int32_t out = fallback;
  if (get_named(env, obj, name, &v)) napi_get_value_int32(env, v, &out);
  return out;
}

static bool named_string_is(napi_env env, napi_value obj, const char *name, const char *expected) {
  napi_value v;
  char buf[32];
  size_t len;
  if (!get_named(env, obj, name, &v)) return false;
  if (napi_get_value_string_utf8(env, v, buf, sizeof(buf), &len) != napi_ok) return false;
  return strcmp(buf, expected) == 0;
}

/* QoS from {reliability, durability, history, depth, deadlineMs, livelinessLeaseMs, lifespanMs}. */
static dds_qos_t *qos_from(napi_env env, napi_value obj) {
  dds_qos_t *qos = dds_create_qos();
  if (named_string_is(env, obj, "reliability", "best_effort"))
    dds_qset_reliability(qos, DDS_RELIABILITY_BEST_EFFORT, 0);
  else
    dds_qset_reliability(qos, DDS_RELIABILITY_RELIABLE, DDS_SECS(10));
  dds_qset_durability(qos, named_string_is(env, obj, "durability", "transient_local")
                               ? DDS_DURABILITY_TRANSIENT_LOCAL
                               : DDS_DURABILITY_VOLATILE);
  bool keep_all = named_string_is(env, obj, "history", "keep_all");
  int32_t depth = named_int(env, obj, "depth", 10);
  if (keep_all)
    dds_qset_history(qos, DDS_HISTORY_KEEP_ALL, 0);
  else
    dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, depth);
  /* Cyclone keeps a transient-local writer's history for late readers per its durability-service
     history (default: the last sample only); ROS 2 expects the writer's own history depth. */
  dds_qset_durability_service(qos, 0, keep_all ? DDS_HISTORY_KEEP_ALL : DDS_HISTORY_KEEP_LAST, keep_all ? 0 : depth,
                              DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
  int32_t deadline = named_int(env, obj, "deadlineMs", 0);
  if (deadline > 0) dds_qset_deadline(qos, DDS_MSECS(deadline));
  int32_t lease = named_int(env, obj, "livelinessLeaseMs", 0);
  if (lease > 0) dds_qset_liveliness(qos, DDS_LIVELINESS_AUTOMATIC, DDS_MSECS(lease));
  int32_t lifespan = named_int(env, obj, "lifespanMs", 0);
  if (lifespan > 0) dds_qset_lifespan(qos, DDS_MSECS(lifespan));
  return qos;
}

/* ---------------------------------------------------------------- readers and their queues */

struct sample_item {
  unsigned char *data;
  size_t size;
  int64_t source_ns;
};

struct endpoint_item {
  int publication; /* 1: a writer was seen, 0: a reader */
  int alive;
  char *topic;
  char *type;
  unsigned char participant[16];
  unsigned char endpoint[16];
};

enum listener_kind { LK_SAMPLES, LK_PUBLICATIONS, LK_SUBSCRIPTIONS };

struct listener_ctx {
  enum listener_kind kind;
  dds_entity_t reader;
  napi_threadsafe_function tsfn;
  atomic_uint_fast64_t delivered;
  atomic_uint_fast64_t dropped;
  struct listener_ctx *next;
  /* Sample readers: a bounded ring the DDS thread fills and the JS thread drains in batches. One
     thread-safe-function call wakes JavaScript for a whole batch, so work done per sample on the
     JS side (an MQTT publish, say) is flushed once per batch rather than once per sample. */
  pthread_mutex_t lock;
  struct sample_item **ring;
  size_t cap, head, count;
  bool wake_pending;
};

/* Samples handed to JavaScript per wake-up at most, so a full ring never blocks the event loop long. */
#define DRAIN_PER_WAKE 1024

static struct listener_ctx *listeners = NULL; /* touched on the JS thread only */

static void free_sample_item(struct sample_item *item) {
  if (item == NULL) return;
  free(item->data);
  free(item);
}

static void free_endpoint_item(struct endpoint_item *item) {
  if (item == NULL) return;
  free(item->topic);
  free(item->type);
  free(item);
}

static void free_external(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/*
 * On the JS thread: samples reach the callback as (bytes, meta). `bytes` is one Buffer holding a
 * batch of samples back to back; `meta` is a Float64Array of (offset, length, sourceTimeMs) per
 * sample. Small samples are packed (one allocation and one finalizer per batch, not per sample:
 * the garbage collector's share of a flood); a large one travels alone, without a second copy.
 */
struct batch {
  unsigned char *bytes;
  size_t size, cap;
  double *meta;
  size_t n;
};

static void call_batch(napi_env env, napi_value callback, unsigned char *bytes, size_t size, const double *meta,
                       size_t n) {
  napi_value argv[2], undefined, result, ab;
  if (napi_create_external_buffer(env, size, bytes, free_external, NULL, &argv[0]) != napi_ok) {
    free(bytes);
    return;
  }
  void *meta_data = NULL;
  if (napi_create_arraybuffer(env, n * 3 * sizeof(double), &meta_data, &ab) != napi_ok) return;
  memcpy(meta_data, meta, n * 3 * sizeof(double));
  if (napi_create_typedarray(env, napi_float64_array, n * 3, ab, 0, &argv[1]) != napi_ok) return;
  napi_get_undefined(env, &undefined);
  if (napi_call_function(env, undefined, callback, 2, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err); /* a throwing callback must not stop the batch */
  }
}

static void flush_batch(napi_env env, napi_value callback, struct batch *b) {
  if (b->n == 0) return;
  call_batch(env, callback, b->bytes, b->size, b->meta, b->n);
  b->bytes = NULL;
  b->size = b->cap = 0;
  b->n = 0;
}

/* Samples up to this size are packed into batches; larger ones are delivered alone. */
#define PACK_LIMIT 65536

static struct sample_item *ring_pop(struct listener_ctx *ctx) {
  if (ctx->count == 0) return NULL;
  struct sample_item *item = ctx->ring[ctx->head];
  ctx->ring[ctx->head] = NULL;
  ctx->head = (ctx->head + 1) % ctx->cap;
  ctx->count--;
  return item;
}

/* On the JS thread, once per wake-up: a batch of samples from the ring. */
static void call_js_samples(napi_env env, napi_value callback, void *context, void *data) {
  (void)data;
  struct listener_ctx *ctx = context;
  if (env == NULL || callback == NULL) return; /* torn down: the ring is freed with the context */
  struct batch b = {0};
  double *meta = malloc(DRAIN_PER_WAKE * 3 * sizeof(double));
  if (meta == NULL) return;
  b.meta = meta;
  bool more = true;
  for (size_t done = 0; done < DRAIN_PER_WAKE; done++) {
    pthread_mutex_lock(&ctx->lock);
    struct sample_item *item = ring_pop(ctx);
    if (item == NULL) ctx->wake_pending = false;
    pthread_mutex_unlock(&ctx->lock);
    if (item == NULL) {
      more = false;
      break;
    }
    double ms = (double)item->source_ns / 1e6;
    if (item->size > PACK_LIMIT) {
      flush_batch(env, callback, &b);
      double one[3] = {0, (double)item->size, ms};
      unsigned char *bytes = item->data;
      size_t size = item->size;
      free(item);
      call_batch(env, callback, bytes, size, one, 1);
      continue;
    }
    if (b.size + item->size > b.cap) {
      size_t cap = b.cap == 0 ? 16384 : b.cap * 2;
      while (cap < b.size + item->size) cap *= 2;
      unsigned char *grown = realloc(b.bytes, cap);
      if (grown == NULL) {
        free_sample_item(item);
        atomic_fetch_add(&ctx->dropped, 1);
        continue;
      }
      b.bytes = grown;
      b.cap = cap;
    }
    if (item->size > 0) memcpy(b.bytes + b.size, item->data, item->size);
    b.meta[b.n * 3] = (double)b.size;
    b.meta[b.n * 3 + 1] = (double)item->size;
    b.meta[b.n * 3 + 2] = ms;
    b.size += item->size;
    b.n++;
    free_sample_item(item);
  }
  flush_batch(env, callback, &b);
  free(b.bytes); /* only when the last batch was empty */
  free(meta);
  /* More left: wake again rather than hold the event loop (wake_pending stays true). */
  if (more) napi_call_threadsafe_function(ctx->tsfn, NULL, napi_tsfn_nonblocking);
}

static napi_value hex16(napi_env env, const unsigned char *bytes) {
  char hex[33];
  for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  napi_value out;
  napi_create_string_utf8(env, hex, 32, &out);
  return out;
}

static void call_js_endpoint(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  struct endpoint_item *item = data;
  if (env == NULL || callback == NULL) {
    free_endpoint_item(item);
    return;
  }
  napi_value obj, v, undefined, result;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, item->publication ? "publication" : "subscription", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "kind", v);
  napi_get_boolean(env, item->alive != 0, &v);
  napi_set_named_property(env, obj, "alive", v);
  napi_create_string_utf8(env, item->topic ? item->topic : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "topic", v);
  napi_create_string_utf8(env, item->type ? item->type : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "type", v);
  napi_set_named_property(env, obj, "participant", hex16(env, item->participant));
  napi_set_named_property(env, obj, "endpoint", hex16(env, item->endpoint));
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 1, &obj, &result);
  free_endpoint_item(item);
}

/* Cyclone thread: take what arrived and queue it for JavaScript (or count it dropped). */
static void on_samples(dds_entity_t reader, void *arg) {
  struct listener_ctx *ctx = arg;
  struct ddsi_serdata *samples[16];
  dds_sample_info_t infos[16];
  dds_return_t n;
  while ((n = dds_takecdr(reader, samples, 16, infos, DDS_ANY_STATE)) > 0) {
    bool wake = false;
    for (int i = 0; i < n; i++) {
      struct sample_item *item = NULL;
      if (infos[i].valid_data) {
        item = malloc(sizeof(*item));
        void *bytes = NULL;
        size_t size = item ? raw_serdata_copy_out(samples[i], &bytes) : (size_t)-1;
        if (item == NULL || size == (size_t)-1) {
          free(item);
          item = NULL;
          atomic_fetch_add(&ctx->dropped, 1);
        } else {
          item->data = bytes;
          item->size = size;
          item->source_ns = infos[i].source_timestamp;
        }
      }
      ddsi_serdata_unref(samples[i]);
      if (item == NULL) continue;
      pthread_mutex_lock(&ctx->lock);
      if (ctx->count == ctx->cap) {
        pthread_mutex_unlock(&ctx->lock);
        free_sample_item(item);
        atomic_fetch_add(&ctx->dropped, 1);
        continue;
      }
      ctx->ring[(ctx->head + ctx->count) % ctx->cap] = item;
      ctx->count++;
      if (!ctx->wake_pending) {
        ctx->wake_pending = true;
        wake = true;
      }
      pthread_mutex_unlock(&ctx->lock);
      atomic_fetch_add(&ctx->delivered, 1);
    }
    if (wake && napi_call_threadsafe_function(ctx->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) {
      pthread_mutex_lock(&ctx->lock);
      ctx->wake_pending = false; /* being torn down */
      pthread_mutex_unlock(&ctx->lock);
    }
  }
}

static void on_endpoints(dds_entity_t reader, void *arg) {
  struct listener_ctx *ctx = arg;
  void *samples[16] = {NULL};
  dds_sample_info_t infos[16];
  dds_return_t n;
  int publication = ctx->kind == LK_PUBLICATIONS;
  while ((n = dds_take(reader, samples, infos, 16, 16)) > 0) {
    for (int i = 0; i < n; i++) {
      const dds_builtintopic_endpoint_t *ep = samples[i];
      struct endpoint_item *item = calloc(1, sizeof(*item));
      if (item == NULL) {
        atomic_fetch_add(&ctx->dropped, 1);
        continue;
      }
      item->publication = publication;
      item->alive = infos[i].valid_data && infos[i].instance_state == DDS_IST_ALIVE;
      /* A disposal (valid_data false) carries only the key: the endpoint's GUID. */
      memcpy(item->endpoint, ep->key.v, 16);
      if (infos[i].valid_data) {
        item->topic = ep->topic_name ? strdup(ep->topic_name) : NULL;
        item->type = ep->type_name ? strdup(ep->type_name) : NULL;
        memcpy(item->participant, ep->participant_key.v, 16);
      }
      if (napi_call_threadsafe_function(ctx->tsfn, item, napi_tsfn_nonblocking) == napi_ok)
        atomic_fetch_add(&ctx->delivered, 1);
      else {
        free_endpoint_item(item);
        atomic_fetch_add(&ctx->dropped, 1);
      }
    }
    dds_return_loan(reader, samples, n);
    memset(samples, 0, sizeof(samples));
  }
}

static struct listener_ctx *find_listener(dds_entity_t reader, struct listener_ctx ***link_out) {
  struct listener_ctx **link = &listeners;
  while (*link != NULL && (*link)->reader != reader) link = &(*link)->next;
  if (link_out) *link_out = link;
  return *link;
}

static void release_listener(struct listener_ctx **link) {
  struct listener_ctx *ctx = *link;
  *link = ctx->next;
  /* Abort: no wake-up may run after the context is freed; what the ring holds is freed here. */
  napi_release_threadsafe_function(ctx->tsfn, napi_tsfn_abort);
  pthread_mutex_lock(&ctx->lock);
  for (struct sample_item *item = ctx->ring ? ring_pop(ctx) : NULL; item != NULL; item = ring_pop(ctx))
    free_sample_item(item);
  pthread_mutex_unlock(&ctx->lock);
  pthread_mutex_destroy(&ctx->lock);
  free(ctx->ring);
  free(ctx);
}

/* Creates a reader whose samples go to `callback` through a queue of at most `max_queued` items. */
static napi_value attach_reader(napi_env env, enum listener_kind kind, dds_entity_t participant, dds_entity_t topic,
                                const dds_qos_t *qos, napi_value callback, int32_t max_queued) {
  struct listener_ctx *ctx = calloc(1, sizeof(*ctx));
  if (ctx == NULL) return throw_type(env, "out of memory");
  ctx->kind = kind;
  pthread_mutex_init(&ctx->lock, NULL);
  if (kind == LK_SAMPLES) {
    ctx->cap = (size_t)max_queued;
    ctx->ring = calloc(ctx->cap, sizeof(*ctx->ring));
    if (ctx->ring == NULL) {
      free(ctx);
      return throw_type(env, "out of memory");
    }
  }
  napi_value name;
  napi_create_string_utf8(env, kind == LK_SAMPLES ? "cxp_dds.reader" : "cxp_dds.discovery", NAPI_AUTO_LENGTH,
                          &name);
  /* Sample readers queue wake-ups (at most one pending plus re-arms): no limit needed there. */
  size_t tsfn_queue = kind == LK_SAMPLES ? 0 : (size_t)max_queued;
  if (napi_create_threadsafe_function(env, callback, NULL, name, tsfn_queue, 1, NULL, NULL, ctx,
                                      kind == LK_SAMPLES ? call_js_samples : call_js_endpoint,
                                      &ctx->tsfn) != napi_ok) {
    free(ctx->ring);
    free(ctx);
    napi_throw_error(env, "DDS_NAPI", "could not create the thread-safe function");
    return NULL;
  }
  /* Readers do not keep the process alive on their own; the gateway's lifecycle does. */
  napi_unref_threadsafe_function(env, ctx->tsfn);
  dds_listener_t *listener = dds_create_listener(ctx);
  dds_lset_data_available(listener, kind == LK_SAMPLES ? on_samples : on_endpoints);
  /* Registered before the reader exists, so no callback can miss its context. */
  ctx->next = listeners;
  listeners = ctx;
  dds_entity_t reader = dds_create_reader(participant, topic, qos, listener);
  dds_delete_listener(listener);
  if (reader < 0) {
    release_listener(&listeners); /* ctx is still the head: nothing ran on this thread since */
    return throw_dds(env, "dds_create_reader", reader);
  }
  ctx->reader = reader;
  /* Samples that arrived between creation and now (transient-local history) are taken too. */
  if (kind == LK_SAMPLES) on_samples(reader, ctx);
  else on_endpoints(reader, ctx);
  return make_int(env, reader);
}

/* ---------------------------------------------------------------- writers and their types */

/* dds_writecdr needs the writer's exact sertype; Cyclone 0.10 has no getter, so remember it. */
struct writer_entry {
  dds_entity_t writer;
  const struct ddsi_sertype *type;
  struct writer_entry *next;
};
static struct writer_entry *writers = NULL; /* JS thread only */

struct topic_entry {
  dds_entity_t topic;
  const struct ddsi_sertype *type;
  struct topic_entry *next;
};
static struct topic_entry *topics = NULL; /* JS thread only */

static const struct ddsi_sertype *topic_type(dds_entity_t topic) {
  for (struct topic_entry *t = topics; t != NULL; t = t->next)
    if (t->topic == topic) return t->type;
  return NULL;
}

static const struct ddsi_sertype *writer_type(dds_entity_t writer) {
  for (struct writer_entry *w = writers; w != NULL; w = w->next)
    if (w->writer == writer) {
      if (w != writers) { /* most recently used first: a gateway writes to a few hot writers */
        struct writer_entry **link = &writers;
        while (*link != w) link = &(*link)->next;
        *link = w->next;
        w->next = writers;
        writers = w;
      }
      return w->type;
    }
  return NULL;
}

/* Forgets writers and topics that no longer exist (after a delete). */
static void prune_entries(void) {
  struct writer_entry **wl = &writers;
  while (*wl != NULL) {
    if (dds_get_parent((*wl)->writer) < 0) {
      struct writer_entry *dead = *wl;
      *wl = dead->next;
      free(dead);
    } else wl = &(*wl)->next;
  }
  struct topic_entry **tl = &topics;
  while (*tl != NULL) {
    if (dds_get_parent((*tl)->topic) < 0) {
      struct topic_entry *dead = *tl;
      *tl = dead->next;
      free(dead);
    } else tl = &(*tl)->next;
  }
}

/* ---------------------------------------------------------------- exported functions */

static napi_value js_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(env, napi_create_string_utf8(env, DDS_VERSION, NAPI_AUTO_LENGTH, &out));
  return out;
}

/* createDomain(domainId, configXml): an explicit domain with its own configuration. */
static napi_value js_create_domain(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t domain;
  if (argc < 2 || !get_int32(env, argv[0], &domain)) return throw_type(env, "createDomain(domainId, config)");
  char *config = get_string(env, argv[1]);
  if (config == NULL) return NULL;
  dds_entity_t d = dds_create_domain((dds_domainid_t)domain, config);
  free(config);
  if (d < 0) return throw_dds(env, "dds_create_domain", d);
  return make_int(env, d);
}

static napi_value js_create_participant(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t domain;
  if (argc < 1 || !get_int32(env, argv[0], &domain)) return throw_type(env, "createParticipant(domainId)");
  dds_entity_t p = dds_create_participant((dds_domainid_t)domain, NULL, NULL);
  if (p < 0) return throw_dds(env, "dds_create_participant", p);
  return make_int(env, p);
}

/* createTopic(participant, topicName, typeName) */
static napi_value js_create_topic(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t participant;
  if (argc < 3 || !get_int32(env, argv[0], &participant))
    return throw_type(env, "createTopic(participant, topicName, typeName)");
  char *topic_name = get_string(env, argv[1]);
  if (topic_name == NULL) return NULL;
  char *type_name = get_string(env, argv[2]);
  if (type_name == NULL) {
    free(topic_name);
    return NULL;
  }
  struct ddsi_sertype *st = raw_sertype_new(type_name);
  struct ddsi_sertype *given = st;
  dds_entity_t topic = dds_create_topic_sertype(participant, topic_name, &st, NULL, NULL, NULL);
  free(topic_name);
  free(type_name);
  if (topic < 0) {
    if (st == given) ddsi_sertype_free(given); /* not taken over */
    return throw_dds(env, "dds_create_topic_sertype", topic);
  }
  struct topic_entry *entry = malloc(sizeof(*entry));
  if (entry == NULL) return throw_type(env, "out of memory");
  entry->topic = topic;
  entry->type = st; /* the sertype the topic really uses (an existing equal one may replace ours) */
  entry->next = topics;
  topics = entry;
  return make_int(env, topic);
}

/* createWriter(participant, topic, qos) */
static napi_value js_create_writer(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t participant, topic;
  if (argc < 3 || !get_int32(env, argv[0], &participant) || !get_int32(env, argv[1], &topic))
    return throw_type(env, "createWriter(participant, topic, qos)");
  dds_qos_t *qos = qos_from(env, argv[2]);
  dds_entity_t writer = dds_create_writer(participant, topic, qos, NULL);
  dds_delete_qos(qos);
  if (writer < 0) return throw_dds(env, "dds_create_writer", writer);
  const struct ddsi_sertype *type = topic_type(topic);
  struct writer_entry *entry = type ? malloc(sizeof(*entry)) : NULL;
  if (entry == NULL) {
    dds_delete(writer);
    return throw_type(env, "createWriter: the topic was not created by createTopic");
  }
  entry->writer = writer;
  entry->type = type;
  entry->next = writers;
  writers = entry;
  return make_int(env, writer);
}

/* write(writer, bytes): the bytes are CDR with the encapsulation header, sent unchanged. */
static napi_value js_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t writer;
  if (argc < 2 || !get_int32(env, argv[0], &writer)) return throw_type(env, "write(writer, bytes)");
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed) return throw_type(env, "write: bytes must be a Uint8Array");
  napi_typedarray_type ttype;
  size_t length, offset;
  void *data;
  napi_value ab;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &ttype, &length, &data, &ab, &offset));
  if (ttype != napi_uint8_array) return throw_type(env, "write: bytes must be a Uint8Array");
  if (length < 4) return throw_type(env, "write: fewer than 4 bytes (no CDR encapsulation header)");
  const struct ddsi_sertype *st = writer_type(writer);
  if (st == NULL) return throw_type(env, "write: not a writer of this binding");
  struct ddsi_serdata *sd = raw_serdata_from_bytes(st, data, length);
  if (sd == NULL) return throw_type(env, "write: sample too large");
  dds_return_t rc = dds_writecdr(writer, sd);
  if (rc < 0) return throw_dds(env, "dds_writecdr", rc);
  return NULL;
}

/* createReader(participant, topic, qos, callback(buffer, sourceTimeMs), maxQueued) */
static napi_value js_create_reader(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t participant, topic, max_queued;
  if (argc < 5 || !get_int32(env, argv[0], &participant) || !get_int32(env, argv[1], &topic) ||
      !get_int32(env, argv[4], &max_queued) || max_queued < 1)
    return throw_type(env, "createReader(participant, topic, qos, callback, maxQueued >= 1)");
  dds_qos_t *qos = qos_from(env, argv[2]);
  napi_value out = attach_reader(env, LK_SAMPLES, participant, topic, qos, argv[3], max_queued);
  dds_delete_qos(qos);
  return out;
}

/* watchEndpoints(participant, callback({kind, alive, topic, type, participant, endpoint}), maxQueued) */
static napi_value js_watch_endpoints(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t participant, max_queued;
  if (argc < 3 || !get_int32(env, argv[0], &participant) || !get_int32(env, argv[2], &max_queued) || max_queued < 1)
    return throw_type(env, "watchEndpoints(participant, callback, maxQueued >= 1)");
  napi_value pubs = attach_reader(env, LK_PUBLICATIONS, participant, DDS_BUILTIN_TOPIC_DCPSPUBLICATION, NULL, argv[1],
                                  max_queued);
  if (pubs == NULL) return NULL;
  napi_value subs = attach_reader(env, LK_SUBSCRIPTIONS, participant, DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION, NULL, argv[1],
                                  max_queued);
  if (subs == NULL) return NULL;
  napi_value out;
  CHECK(env, napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, pubs);
  napi_set_element(env, out, 1, subs);
  return out;
}

/* readerStats(reader) -> {delivered, dropped} */
static napi_value js_reader_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t reader;
  if (argc < 1 || !get_int32(env, argv[0], &reader)) return throw_type(env, "readerStats(reader)");
  struct listener_ctx *ctx = find_listener(reader, NULL);
  if (ctx == NULL) return throw_type(env, "readerStats: not a reader of this binding");
  napi_value out, v;
  CHECK(env, napi_create_object(env, &out));
  napi_create_double(env, (double)atomic_load(&ctx->delivered), &v);
  napi_set_named_property(env, out, "delivered", v);
  napi_create_double(env, (double)atomic_load(&ctx->dropped), &v);
  napi_set_named_property(env, out, "dropped", v);
  return out;
}

/* matched(entity): readers matched by a writer, or writers matched by a reader. */
static napi_value js_matched(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t entity;
  if (argc < 1 || !get_int32(env, argv[0], &entity)) return throw_type(env, "matched(entity)");
  dds_publication_matched_status_t pm;
  if (dds_get_publication_matched_status(entity, &pm) == DDS_RETCODE_OK) return make_int(env, pm.current_count);
  dds_subscription_matched_status_t sm;
  dds_return_t rc = dds_get_subscription_matched_status(entity, &sm);
  if (rc < 0) return throw_dds(env, "matched", rc);
  return make_int(env, sm.current_count);
}

/* guid(entity): the 16-byte GUID as 32 hex digits (ROS graph ids are built from it). */
static napi_value js_guid(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t entity;
  if (argc < 1 || !get_int32(env, argv[0], &entity)) return throw_type(env, "guid(entity)");
  dds_guid_t guid;
  dds_return_t rc = dds_get_guid(entity, &guid);
  if (rc < 0) return throw_dds(env, "dds_get_guid", rc);
  return hex16(env, guid.v);
}

/* deleteEntity(handle): deletes it and its children; releases the queues of deleted readers. */
static napi_value js_delete(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t entity;
  if (argc < 1 || !get_int32(env, argv[0], &entity)) return throw_type(env, "deleteEntity(handle)");
  dds_return_t rc = dds_delete(entity);
  /* Readers that no longer exist (this one, or children of a deleted participant) let go of JS. */
  struct listener_ctx **link = &listeners;
  while (*link != NULL) {
    dds_entity_t parent = dds_get_parent((*link)->reader);
    if (parent < 0) release_listener(link);
    else link = &(*link)->next;
  }
  prune_entries();
  if (rc < 0 && rc != DDS_RETCODE_ALREADY_DELETED) return throw_dds(env, "dds_delete", rc);
  return NULL;
}

static void cleanup(void *arg) {
  (void)arg;
  /* Process or worker exit: stop every reader before its queue goes away. */
  for (struct listener_ctx *ctx = listeners; ctx != NULL; ctx = ctx->next) dds_delete(ctx->reader);
  while (listeners != NULL) release_listener(&listeners);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"version", NULL, js_version, NULL, NULL, NULL, napi_default, NULL},
    {"createDomain", NULL, js_create_domain, NULL, NULL, NULL, napi_default, NULL},
    {"createParticipant", NULL, js_create_participant, NULL, NULL, NULL, napi_default, NULL},
    {"createTopic", NULL, js_create_topic, NULL, NULL, NULL, napi_default, NULL},
    {"createWriter", NULL, js_create_writer, NULL, NULL, NULL, napi_default, NULL},
    {"write", NULL, js_write, NULL, NULL, NULL, napi_default, NULL},
    {"createReader", NULL, js_create_reader, NULL, NULL, NULL, napi_default, NULL},
    {"watchEndpoints", NULL, js_watch_endpoints, NULL, NULL, NULL, napi_default, NULL},
    {"readerStats", NULL, js_reader_stats, NULL, NULL, NULL, napi_default, NULL},
    {"matched", NULL, js_matched, NULL, NULL, NULL, napi_default, NULL},
    {"guid", NULL, js_guid, NULL, NULL, NULL, napi_default, NULL},
    {"deleteEntity", NULL, js_delete, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  napi_add_env_cleanup_hook(env, cleanup, NULL);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
