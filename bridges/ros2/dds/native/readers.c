/* DDS readers whose data reaches JavaScript (see readers.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "dds/ddsi/ddsi_serdata.h"

#include "rawtype.h"
#include "readers.h"

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
napi_value attach_reader(napi_env env, enum listener_kind kind, dds_entity_t participant, dds_entity_t topic,
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

bool reader_stats(dds_entity_t reader, double *delivered, double *dropped) {
  struct listener_ctx *ctx = find_listener(reader, NULL);
  if (ctx == NULL) return false;
  *delivered = (double)atomic_load(&ctx->delivered);
  *dropped = (double)atomic_load(&ctx->dropped);
  return true;
}

void release_dead_readers(void) {
  struct listener_ctx **link = &listeners;
  while (*link != NULL) {
    if (dds_get_parent((*link)->reader) < 0) release_listener(link);
    else link = &(*link)->next;
  }
}

void release_all_readers(void) {
  for (struct listener_ctx *ctx = listeners; ctx != NULL; ctx = ctx->next) dds_delete(ctx->reader);
  while (listeners != NULL) release_listener(&listeners);
}
