/*
 * cxp_dds: the gateway's Node-API binding to Eclipse Cyclone DDS (libddsc).
 *
 * It moves serialized samples (CDR with its encapsulation header) between DDS and JavaScript and
 * nothing more: types are opaque (see rawtype.c), encoding and decoding happen in TypeScript.
 * Reader callbacks run on Cyclone's threads; each sample is copied once and handed to the JS thread
 * through a bounded ring and a thread-safe function (readers.c). When JavaScript falls behind, new
 * samples are dropped and counted rather than queued without bound. This file: the exported
 * functions, QoS from JS, and the writers' types.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/ddsrt/heap.h"
#include "dds/version.h"

#include "napi_util.h"
#include "rawtype.h"
#include "readers.h"

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
  double delivered, dropped;
  if (!reader_stats(reader, &delivered, &dropped))
    return throw_type(env, "readerStats: not a reader of this binding");
  napi_value out, v;
  CHECK(env, napi_create_object(env, &out));
  napi_create_double(env, delivered, &v);
  napi_set_named_property(env, out, "delivered", v);
  napi_create_double(env, dropped, &v);
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
  release_dead_readers();
  prune_entries();
  if (rc < 0 && rc != DDS_RETCODE_ALREADY_DELETED) return throw_dds(env, "dds_delete", rc);
  return NULL;
}

static void cleanup(void *arg) {
  (void)arg;
  /* Process or worker exit: stop every reader before its queue goes away. */
  release_all_readers();
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
