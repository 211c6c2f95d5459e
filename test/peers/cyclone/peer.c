/*
 * peer: a ROS 2 stand-in built on plain Cyclone DDS (the DDS underneath rmw_cyclonedds), for the
 * gateway's integration tests. It publishes or subscribes to one ROS 2 topic with the exact DDS
 * type names and wire layout ROS 2 uses, and reports what it does as JSON lines on stdout.
 *
 *   peer pub|sub --type string|twist|image [--topic rt/chatter] [--count N] [--rate HZ]
 *                [--size BYTES | --text TEXT] [--stamp] [--best-effort] [--transient-local] [--depth N]
 *                [--seconds S] [--wait-match MS]
 *
 * ROS 2 topic /chatter is DDS topic "rt/chatter". The domain id comes from ROS_DOMAIN_ID (default 0),
 * the DDS configuration from CYCLONEDDS_URI. Exit status: 0 ok (also after SIGTERM/SIGINT),
 * 1 DDS error (message on stderr), 2 bad arguments.
 *
 * pub: waits up to --wait-match ms (default 10000; 0 = do not wait) for a matching reader, prints
 *   {"event":"matched","count":C} (C may be 0: it publishes anyway), writes --count messages
 *   (default 10) at --rate Hz (default 10; 0 = as fast as possible), numbered 1..N, prints
 *   {"event":"sent","seq":n} after each when N <= 1000, waits (reliable, at most 10 s) until every
 *   matched reader acknowledged them, prints {"event":"done","sent":N,"failed":F,"seconds":T}
 *   (T = time spent writing), then stays alive --seconds S more (default 0: exits at once), e.g.
 *   for transient-local late joiners.
 *     string: data = "seq <n>", padded to --size bytes as "seq <n> " + a checkable filler;
 *             or exactly --text TEXT in every message (no seq), e.g. to test odd content
 *     twist:  linear.x = n, everything else 0 (with --stamp: linear.y = send time, epoch seconds)
 *     image:  header.frame_id = "seq <n>", header.stamp = now, mono8, --size bytes of data
 *             (default 1024) with width * height = size, data[i] = (n + i) & 0xff
 * sub: prints {"event":"ready"} once its reader exists, {"event":"matched","count":C} whenever the
 *   number of matched writers changes, one {"event":"recv",...} per sample, and
 *   {"event":"done","received":N} when --count samples arrived (default 0 = no limit), --seconds
 *   passed (default 0 = no limit), or on SIGTERM/SIGINT.
 *     recv always has "bytes" (string: data length, twist: 48, image: data length) and "seq" when
 *     the content carries one the pub mode would write; "intact" says whether a string's filler or
 *     an image's data is what pub wrote for that seq. string adds "text" when shorter than 200
 *     bytes; twist adds "linear" and "angular" ([x,y,z]); image adds width, height, encoding,
 *     is_bigendian, step, frame_id and stamp.
 *
 * QoS is the ROS 2 default profile (reliable, volatile, keep last 10) unless changed by
 * --best-effort, --transient-local or --depth (0 = keep all).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "dds/dds.h"

#include "Image.h"
#include "String.h"
#include "Twist.h"

#define EXIT_DDS 1
#define EXIT_USAGE 2
#define TEXT_LIMIT 200
#define SENT_LINES_LIMIT 1000

enum mode { MODE_PUB, MODE_SUB };
enum msg_type { TYPE_STRING, TYPE_TWIST, TYPE_IMAGE };

struct options {
  enum mode mode;
  enum msg_type type;
  const char *topic;
  const char *text;
  long count;
  bool count_given;
  double rate;
  long size;
  bool size_given;
  bool best_effort;
  bool transient_local;
  bool stamp; /* twist: linear.y = send time (CLOCK_REALTIME, seconds), for latency benches */
  int depth;
  double seconds;
  long wait_match_ms;
};

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void usage(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("peer: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nusage: peer pub|sub --type string|twist|image [--topic rt/chatter] [--count N] [--rate HZ]\n"
        "            [--size BYTES | --text TEXT] [--best-effort] [--transient-local] [--depth N]\n"
        "            [--seconds S] [--wait-match MS]\n",
        stderr);
  exit(EXIT_USAGE);
}

static void dds_fail(const char *what, dds_return_t rc) {
  fprintf(stderr, "peer: %s failed: %s\n", what, dds_strretcode(rc < 0 ? -rc : rc));
  exit(EXIT_DDS);
}

/* ---------- output ---------- */

/* CLOCK_REALTIME in seconds: send and receive stamps for latency (same host, same clock). */
static double wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stdout, fmt, ap);
  va_end(ap);
  fputc('\n', stdout);
  fflush(stdout);
}

/* Appends s as a JSON string literal (with quotes) to buf; returns the new length. */
static size_t json_string(char *buf, size_t cap, size_t len, const char *s) {
  static const char hex[] = "0123456789abcdef";
  if (len < cap) buf[len++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p != 0 && len + 8 < cap; p++) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      buf[len++] = '\\';
      buf[len++] = (char)c;
    } else if (c == '\n') {
      buf[len++] = '\\';
      buf[len++] = 'n';
    } else if (c == '\r') {
      buf[len++] = '\\';
      buf[len++] = 'r';
    } else if (c == '\t') {
      buf[len++] = '\\';
      buf[len++] = 't';
    } else if (c < 0x20 || c == 0x7f) {
      len += (size_t)snprintf(buf + len, cap - len, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
    } else {
      buf[len++] = (char)c; /* UTF-8 passes through unchanged */
    }
  }
  if (len < cap) buf[len++] = '"';
  if (len < cap) buf[len] = 0;
  return len;
}

static void json_double(char *buf, size_t cap, double v) {
  if (isfinite(v))
    snprintf(buf, cap, "%.17g", v);
  else
    snprintf(buf, cap, "null");
}

/* ---------- arguments ---------- */

static long parse_long(const char *name, const char *v, long min, long max) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != 0 || x < min || x > max)
    usage("%s wants an integer in [%ld, %ld], got '%s'", name, min, max, v);
  return x;
}

static double parse_double(const char *name, const char *v, double min) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno != 0 || end == v || *end != 0 || !isfinite(x) || x < min)
    usage("%s wants a number >= %g, got '%s'", name, min, v);
  return x;
}

static void parse_args(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof(*o));
  o->topic = "rt/chatter";
  o->count = 10;
  o->rate = 10.0;
  o->depth = 10;
  o->wait_match_ms = 10000;
  if (argc < 2) usage("missing mode");
  if (strcmp(argv[1], "pub") == 0)
    o->mode = MODE_PUB;
  else if (strcmp(argv[1], "sub") == 0)
    o->mode = MODE_SUB;
  else
    usage("unknown mode '%s'", argv[1]);
  bool type_given = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                   \
  do {                                                 \
    if (v == NULL) usage("%s needs a value", a);       \
    i++;                                               \
  } while (0)
    if (strcmp(a, "--type") == 0) {
      NEED_VALUE();
      if (strcmp(v, "string") == 0)
        o->type = TYPE_STRING;
      else if (strcmp(v, "twist") == 0)
        o->type = TYPE_TWIST;
      else if (strcmp(v, "image") == 0)
        o->type = TYPE_IMAGE;
      else
        usage("unknown type '%s'", v);
      type_given = true;
    } else if (strcmp(a, "--topic") == 0) {
      NEED_VALUE();
      if (*v == 0) usage("--topic must not be empty");
      o->topic = v;
    } else if (strcmp(a, "--stamp") == 0) {
      o->stamp = true;
    } else if (strcmp(a, "--text") == 0) {
      NEED_VALUE();
      o->text = v;
    } else if (strcmp(a, "--count") == 0) {
      NEED_VALUE();
      o->count = parse_long(a, v, 0, 1000000000L);
      o->count_given = true;
    } else if (strcmp(a, "--rate") == 0) {
      NEED_VALUE();
      o->rate = parse_double(a, v, 0.0);
    } else if (strcmp(a, "--size") == 0) {
      NEED_VALUE();
      o->size = parse_long(a, v, 0, 256L * 1024 * 1024);
      o->size_given = true;
    } else if (strcmp(a, "--best-effort") == 0) {
      o->best_effort = true;
    } else if (strcmp(a, "--transient-local") == 0) {
      o->transient_local = true;
    } else if (strcmp(a, "--depth") == 0) {
      NEED_VALUE();
      o->depth = (int)parse_long(a, v, 0, 1000000);
    } else if (strcmp(a, "--seconds") == 0) {
      NEED_VALUE();
      o->seconds = parse_double(a, v, 0.0);
    } else if (strcmp(a, "--wait-match") == 0) {
      NEED_VALUE();
      o->wait_match_ms = parse_long(a, v, 0, 3600L * 1000);
    } else {
      usage("unknown argument '%s'", a);
    }
#undef NEED_VALUE
  }
  if (!type_given) usage("--type is required");
  if (o->text != NULL && (o->type != TYPE_STRING || o->mode != MODE_PUB))
    usage("--text is for pub --type string only");
  if (o->text != NULL && o->size_given) usage("--text and --size exclude each other");
  if (o->mode == MODE_SUB && !o->count_given) o->count = 0;
  if (o->type == TYPE_IMAGE && !o->size_given) o->size = 1024;
}

static dds_domainid_t domain_from_env(void) {
  const char *v = getenv("ROS_DOMAIN_ID");
  if (v == NULL || *v == 0) return 0;
  return (dds_domainid_t)parse_long("ROS_DOMAIN_ID", v, 0, 232);
}

/* ---------- content ---------- */

static char filler(long seq, size_t i) { return (char)('a' + (size_t)(seq + (long)i) % 26); }

static uint8_t pixel(long seq, size_t i) { return (uint8_t)((size_t)seq + i); }

/* "seq <n>" at the start of s: returns n, or -1. *rest points after the digits. */
static long parse_seq(const char *s, const char **rest) {
  if (s == NULL || strncmp(s, "seq ", 4) != 0) return -1;
  char *end;
  errno = 0;
  long n = strtol(s + 4, &end, 10);
  if (errno != 0 || end == s + 4 || n < 0) return -1;
  if (rest != NULL) *rest = end;
  return n;
}

static void image_shape(long size, uint32_t *width, uint32_t *height) {
  if (size == 0) {
    *width = 0;
    *height = 0;
    return;
  }
  long w = size < 1024 ? size : 1024;
  while (size % w != 0) w--;
  *width = (uint32_t)w;
  *height = (uint32_t)(size / w);
}

/* ---------- DDS setup ---------- */

static const dds_topic_descriptor_t *descriptor(enum msg_type t) {
  switch (t) {
    case TYPE_STRING:
      return &std_msgs_msg_dds__String__desc;
    case TYPE_TWIST:
      return &geometry_msgs_msg_dds__Twist__desc;
    case TYPE_IMAGE:
      return &sensor_msgs_msg_dds__Image__desc;
  }
  return NULL;
}

static dds_qos_t *make_qos(const struct options *o) {
  dds_qos_t *q = dds_create_qos();
  if (o->best_effort)
    dds_qset_reliability(q, DDS_RELIABILITY_BEST_EFFORT, 0);
  else
    dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_SECS(10));
  dds_qset_durability(q, o->transient_local ? DDS_DURABILITY_TRANSIENT_LOCAL : DDS_DURABILITY_VOLATILE);
  const dds_history_kind_t kind = o->depth == 0 ? DDS_HISTORY_KEEP_ALL : DDS_HISTORY_KEEP_LAST;
  dds_qset_history(q, kind, o->depth);
  /* What a transient-local writer replays to late joiners is the durability service history, which
     defaults to keep last 1; rmw_cyclonedds sets it to the history depth, and so does this. */
  if (o->transient_local)
    dds_qset_durability_service(q, 0, kind, o->depth, DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED, DDS_LENGTH_UNLIMITED);
  return q;
}

static dds_entity_t participant = 0;

static void cleanup(void) {
  if (participant > 0) {
    dds_delete(participant);
    participant = 0;
  }
}

/* Sleeps until the absolute time `until` (dds_time() clock) or a stop request. */
static void sleep_until(dds_time_t until) {
  while (!stop_requested) {
    dds_time_t now = dds_time();
    if (now >= until) return;
    dds_duration_t d = until - now;
    if (d > DDS_MSECS(50)) d = DDS_MSECS(50);
    struct timespec ts = {.tv_sec = (time_t)(d / DDS_NSECS_IN_SEC), .tv_nsec = (long)(d % DDS_NSECS_IN_SEC)};
    nanosleep(&ts, NULL);
  }
}

/* ---------- pub ---------- */

static int run_pub(const struct options *o, dds_entity_t topic) {
  dds_qos_t *qos = make_qos(o);
  dds_entity_t wr = dds_create_writer(participant, topic, qos, NULL);
  dds_delete_qos(qos);
  if (wr < 0) dds_fail("dds_create_writer", wr);
  dds_return_t rc = dds_set_status_mask(wr, DDS_PUBLICATION_MATCHED_STATUS);
  if (rc < 0) dds_fail("dds_set_status_mask", rc);

  dds_publication_matched_status_t st;
  memset(&st, 0, sizeof(st));
  dds_time_t match_deadline = dds_time() + DDS_MSECS(o->wait_match_ms);
  for (;;) {
    rc = dds_get_publication_matched_status(wr, &st);
    if (rc < 0) dds_fail("dds_get_publication_matched_status", rc);
    if (st.current_count > 0 || stop_requested || dds_time() >= match_deadline) break;
    sleep_until(dds_time() + DDS_MSECS(5));
  }
  emit("{\"event\":\"matched\",\"count\":%" PRIu32 "}", st.current_count);
  if (st.current_count == 0 && o->wait_match_ms > 0)
    fprintf(stderr, "peer: no reader matched on %s within %ld ms; publishing anyway\n", o->topic,
            o->wait_match_ms);

  const size_t size = (size_t)o->size;
  char *text = NULL;
  uint8_t *pixels = NULL;
  if (o->type == TYPE_STRING) {
    text = malloc(size + 32);
    if (text == NULL) dds_fail("malloc", DDS_RETCODE_OUT_OF_RESOURCES);
  } else if (o->type == TYPE_IMAGE) {
    pixels = malloc(size > 0 ? size : 1);
    if (pixels == NULL) dds_fail("malloc", DDS_RETCODE_OUT_OF_RESOURCES);
  }
  char frame_id[32];
  char encoding[] = "mono8";
  uint32_t width, height;
  image_shape(o->size, &width, &height);

  const bool per_message_lines = o->count <= SENT_LINES_LIMIT;
  long sent = 0, failed = 0;
  const dds_time_t t0 = dds_time();
  for (long n = 1; n <= o->count && !stop_requested; n++) {
    if (o->rate > 0 && n > 1) sleep_until(t0 + (dds_time_t)((double)(n - 1) * 1e9 / o->rate));
    if (stop_requested) break;
    switch (o->type) {
      case TYPE_STRING: {
        if (o->text == NULL) {
          int len = snprintf(text, 32, "seq %ld", n);
          if ((size_t)len < size) {
            text[len] = ' ';
            for (size_t i = (size_t)len + 1; i < size; i++) text[i] = filler(n, i);
            text[size] = 0;
          }
        }
        std_msgs_msg_dds__String_ m = {.data = o->text != NULL ? (char *)o->text : text};
        rc = dds_write(wr, &m);
        break;
      }
      case TYPE_TWIST: {
        geometry_msgs_msg_dds__Twist_ m;
        memset(&m, 0, sizeof(m));
        m.linear.x = (double)n;
        if (o->stamp) m.linear.y = wall_seconds();
        rc = dds_write(wr, &m);
        break;
      }
      case TYPE_IMAGE: {
        for (size_t i = 0; i < size; i++) pixels[i] = pixel(n, i);
        snprintf(frame_id, sizeof(frame_id), "seq %ld", n);
        dds_time_t now = dds_time();
        sensor_msgs_msg_dds__Image_ m;
        memset(&m, 0, sizeof(m));
        m.header.stamp.sec = (int32_t)(now / DDS_NSECS_IN_SEC);
        m.header.stamp.nanosec = (uint32_t)(now % DDS_NSECS_IN_SEC);
        m.header.frame_id = frame_id;
        m.height = height;
        m.width = width;
        m.encoding = encoding;
        m.is_bigendian = 0;
        m.step = width;
        m.data._length = (uint32_t)size;
        m.data._maximum = (uint32_t)size;
        m.data._buffer = pixels;
        m.data._release = false;
        rc = dds_write(wr, &m);
        break;
      }
    }
    if (rc != DDS_RETCODE_OK) {
      failed++;
      fprintf(stderr, "peer: dds_write of seq %ld failed: %s\n", n, dds_strretcode(-rc));
      continue;
    }
    sent++;
    if (per_message_lines) emit("{\"event\":\"sent\",\"seq\":%ld}", n);
  }
  const double seconds = (double)(dds_time() - t0) / 1e9;

  if (!o->best_effort && !stop_requested) {
    /* Matched readers have everything once this returns; a timeout only means a reader is slow
       or gone, which the subscriber's own report shows. */
    rc = dds_wait_for_acks(wr, DDS_SECS(10));
    if (rc != DDS_RETCODE_OK && rc != DDS_RETCODE_TIMEOUT) dds_fail("dds_wait_for_acks", rc);
    if (rc == DDS_RETCODE_TIMEOUT) fprintf(stderr, "peer: not all readers acknowledged within 10 s\n");
  }
  emit("{\"event\":\"done\",\"sent\":%ld,\"failed\":%ld,\"seconds\":%.3f}", sent, failed, seconds);
  if (o->seconds > 0) sleep_until(dds_time() + (dds_duration_t)(o->seconds * 1e9));
  free(text);
  free(pixels);
  return failed > 0 ? EXIT_DDS : 0;
}

/* ---------- sub ---------- */

static void report_string(const std_msgs_msg_dds__String_ *m) {
  const char *data = m->data != NULL ? m->data : "";
  size_t len = strlen(data);
  const char *rest = NULL;
  long seq = parse_seq(data, &rest);
  static char line[TEXT_LIMIT * 6 + 256];
  size_t n = (size_t)snprintf(line, sizeof(line), "{\"event\":\"recv\"");
  if (seq >= 0) {
    bool intact = *rest == 0 || *rest == ' ';
    if (*rest == ' ') {
      size_t start = (size_t)(rest - data) + 1;
      for (size_t i = start; i < len && intact; i++) intact = data[i] == filler(seq, i);
    }
    n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"seq\":%ld,\"intact\":%s", seq, intact ? "true" : "false");
  }
  n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"bytes\":%zu", len);
  if (len < TEXT_LIMIT) {
    n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"text\":");
    n = json_string(line, sizeof(line), n, data);
  }
  emit("%s}", line);
}

static void report_twist(const geometry_msgs_msg_dds__Twist_ *m) {
  char v[6][32];
  json_double(v[0], sizeof(v[0]), m->linear.x);
  json_double(v[1], sizeof(v[1]), m->linear.y);
  json_double(v[2], sizeof(v[2]), m->linear.z);
  json_double(v[3], sizeof(v[3]), m->angular.x);
  json_double(v[4], sizeof(v[4]), m->angular.y);
  json_double(v[5], sizeof(v[5]), m->angular.z);
  char seq[48] = "";
  double x = m->linear.x;
  if (isfinite(x) && x >= 0 && x <= 9.0e15 && floor(x) == x) snprintf(seq, sizeof(seq), ",\"seq\":%.0f", x);
  emit("{\"event\":\"recv\"%s,\"bytes\":48,\"linear\":[%s,%s,%s],\"angular\":[%s,%s,%s],\"recv_s\":%.6f}", seq, v[0],
       v[1], v[2], v[3], v[4], v[5], wall_seconds());
}

static void report_image(const sensor_msgs_msg_dds__Image_ *m) {
  static char line[4096];
  const char *frame_id = m->header.frame_id != NULL ? m->header.frame_id : "";
  const char *rest = NULL;
  long seq = parse_seq(frame_id, &rest);
  size_t n = (size_t)snprintf(line, sizeof(line), "{\"event\":\"recv\"");
  if (seq >= 0 && *rest == 0) {
    bool intact = true;
    for (uint32_t i = 0; i < m->data._length && intact; i++) intact = m->data._buffer[i] == pixel(seq, i);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"seq\":%ld,\"intact\":%s", seq, intact ? "true" : "false");
  }
  n += (size_t)snprintf(line + n, sizeof(line) - n,
                        ",\"bytes\":%" PRIu32 ",\"width\":%" PRIu32 ",\"height\":%" PRIu32 ",\"step\":%" PRIu32
                        ",\"is_bigendian\":%u,\"encoding\":",
                        m->data._length, m->width, m->height, m->step, (unsigned)m->is_bigendian);
  n = json_string(line, sizeof(line) - 128, n, m->encoding != NULL ? m->encoding : "");
  n += (size_t)snprintf(line + n, sizeof(line) - n, ",\"frame_id\":");
  n = json_string(line, sizeof(line) - 96, n, frame_id);
  emit("%s,\"stamp\":{\"sec\":%" PRId32 ",\"nanosec\":%" PRIu32 "}}", line, m->header.stamp.sec,
       m->header.stamp.nanosec);
}

static int run_sub(const struct options *o, dds_entity_t topic) {
  dds_qos_t *qos = make_qos(o);
  dds_entity_t rd = dds_create_reader(participant, topic, qos, NULL);
  dds_delete_qos(qos);
  if (rd < 0) dds_fail("dds_create_reader", rd);
  dds_return_t rc = dds_set_status_mask(rd, DDS_SUBSCRIPTION_MATCHED_STATUS);
  if (rc < 0) dds_fail("dds_set_status_mask", rc);
  dds_entity_t ws = dds_create_waitset(participant);
  if (ws < 0) dds_fail("dds_create_waitset", ws);
  dds_entity_t cond = dds_create_readcondition(rd, DDS_ANY_STATE);
  if (cond < 0) dds_fail("dds_create_readcondition", cond);
  if ((rc = dds_waitset_attach(ws, cond, 0)) < 0) dds_fail("dds_waitset_attach", rc);
  if ((rc = dds_waitset_attach(ws, rd, 0)) < 0) dds_fail("dds_waitset_attach", rc);
  emit("{\"event\":\"ready\"}");

  enum { BATCH = 64 };
  void *samples[BATCH];
  dds_sample_info_t infos[BATCH];
  long received = 0;
  uint32_t matched = 0;
  const dds_time_t end = o->seconds > 0 ? dds_time() + (dds_duration_t)(o->seconds * 1e9) : DDS_NEVER;
  while (!stop_requested && (o->count == 0 || received < o->count)) {
    dds_time_t now = dds_time();
    if (now >= end) break;
    /* Short waits so that a signal is noticed promptly. */
    dds_time_t wake = end - now > DDS_MSECS(100) ? now + DDS_MSECS(100) : end;
    rc = dds_waitset_wait_until(ws, NULL, 0, wake);
    if (rc < 0) dds_fail("dds_waitset_wait_until", rc);

    dds_subscription_matched_status_t ms;
    if ((rc = dds_get_subscription_matched_status(rd, &ms)) < 0) dds_fail("dds_get_subscription_matched_status", rc);
    if (ms.current_count != matched) {
      matched = ms.current_count;
      emit("{\"event\":\"matched\",\"count\":%" PRIu32 "}", matched);
    }

    for (;;) {
      for (int i = 0; i < BATCH; i++) samples[i] = NULL;
      int k = dds_take(rd, samples, infos, BATCH, BATCH);
      if (k < 0) dds_fail("dds_take", k);
      if (k == 0) break;
      for (int i = 0; i < k; i++) {
        if (!infos[i].valid_data) continue;
        if (o->count > 0 && received >= o->count) continue;
        received++;
        switch (o->type) {
          case TYPE_STRING:
            report_string(samples[i]);
            break;
          case TYPE_TWIST:
            report_twist(samples[i]);
            break;
          case TYPE_IMAGE:
            report_image(samples[i]);
            break;
        }
      }
      if ((rc = dds_return_loan(rd, samples, k)) < 0) dds_fail("dds_return_loan", rc);
      if (k < BATCH) break;
    }
  }
  emit("{\"event\":\"done\",\"received\":%ld}", received);
  return 0;
}

int main(int argc, char **argv) {
  struct options o;
  parse_args(argc, argv, &o);
  const dds_domainid_t domain = domain_from_env();

  /* Die with the test runner that started us, even if it could not clean up. */
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) return 0;

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  participant = dds_create_participant(domain, NULL, NULL);
  if (participant < 0) {
    dds_return_t rc = participant;
    participant = 0;
    dds_fail("dds_create_participant (check CYCLONEDDS_URI and the messages above)", rc);
  }
  atexit(cleanup);
  dds_entity_t topic = dds_create_topic(participant, descriptor(o.type), o.topic, NULL, NULL);
  if (topic < 0) dds_fail("dds_create_topic", topic);

  int status = o.mode == MODE_PUB ? run_pub(&o, topic) : run_sub(&o, topic);
  cleanup();
  return status;
}
