/*
 * A Cyclone DDS sertype whose samples are opaque serialized bytes.
 *
 * The gateway never needs Cyclone to understand a ROS 2 message: it reads the CDR bytes a writer
 * sent (encapsulation header included) and writes CDR bytes it encoded itself. This sertype keeps
 * each sample as one contiguous copy of those bytes. Topics are keyless, as every ROS 2 topic is.
 */
#include <stdlib.h>
#include <string.h>

#include "dds/dds.h"
#include "dds/ddsi/ddsi_serdata.h"
#include "dds/ddsi/ddsi_sertype.h"
#include "dds/ddsi/q_radmin.h"
#include "dds/ddsrt/heap.h"
#include "dds/ddsrt/md5.h"

#include "rawtype.h"

struct raw_serdata {
  struct ddsi_serdata c;
  uint32_t size;      /* bytes in data, encapsulation header included */
  unsigned char *data; /* NULL when size == 0 */
};

static struct raw_serdata *raw_new(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind, size_t size) {
  if (size > UINT32_MAX) return NULL;
  struct raw_serdata *d = ddsrt_malloc(sizeof(*d));
  ddsi_serdata_init(&d->c, type, kind);
  d->c.hash = type->serdata_basehash;
  d->size = (uint32_t)size;
  d->data = size > 0 ? ddsrt_malloc(size) : NULL;
  return d;
}

/* ---- serdata ops ---- */

static bool raw_eqkey(const struct ddsi_serdata *a, const struct ddsi_serdata *b) {
  (void)a;
  (void)b;
  return true; /* keyless: one instance */
}

static uint32_t raw_get_size(const struct ddsi_serdata *dc) {
  return ((const struct raw_serdata *)dc)->size;
}

static struct ddsi_serdata *raw_from_ser(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                         const struct nn_rdata *fragchain, size_t size) {
  struct raw_serdata *d = raw_new(type, kind, size);
  if (d == NULL) return NULL;
  /* Fragments arrive in order and may overlap; copy each byte once. */
  uint32_t off = 0;
  for (const struct nn_rdata *f = fragchain; f != NULL && off < size; f = f->nextfrag) {
    if (f->maxp1 <= off) continue;
    if (f->min > off) break; /* a hole: cannot happen for a complete sample */
    const unsigned char *payload = NN_RMSG_PAYLOADOFF(f->rmsg, NN_RDATA_PAYLOAD_OFF(f));
    uint32_t end = f->maxp1 < size ? f->maxp1 : (uint32_t)size;
    memcpy(d->data + off, payload + (off - f->min), end - off);
    off = end;
  }
  if (off < size) {
    ddsrt_free(d->data);
    ddsrt_free(d);
    return NULL;
  }
  return &d->c;
}

static struct ddsi_serdata *raw_from_ser_iov(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                             ddsrt_msg_iovlen_t niov, const ddsrt_iovec_t *iov, size_t size) {
  struct raw_serdata *d = raw_new(type, kind, size);
  if (d == NULL) return NULL;
  size_t off = 0;
  for (ddsrt_msg_iovlen_t i = 0; i < niov && off < size; i++) {
    size_t n = iov[i].iov_len < size - off ? iov[i].iov_len : size - off;
    memcpy(d->data + off, iov[i].iov_base, n);
    off += n;
  }
  return &d->c;
}

static struct ddsi_serdata *raw_from_keyhash(const struct ddsi_sertype *type, const struct ddsi_keyhash *keyhash) {
  (void)keyhash;
  struct raw_serdata *d = raw_new(type, SDK_KEY, 0);
  return d == NULL ? NULL : &d->c;
}

/* A "sample" of this type is a struct raw_sample: bytes and their length. */
static struct ddsi_serdata *raw_from_sample(const struct ddsi_sertype *type, enum ddsi_serdata_kind kind,
                                            const void *sample) {
  const struct raw_sample *s = sample;
  size_t size = kind == SDK_DATA ? s->size : 0;
  struct raw_serdata *d = raw_new(type, kind, size);
  if (d == NULL) return NULL;
  if (size > 0) memcpy(d->data, s->data, size);
  return &d->c;
}

static void raw_to_ser(const struct ddsi_serdata *dc, size_t off, size_t sz, void *buf) {
  const struct raw_serdata *d = (const struct raw_serdata *)dc;
  memcpy(buf, d->data + off, sz);
}

static struct ddsi_serdata *raw_to_ser_ref(const struct ddsi_serdata *dc, size_t off, size_t sz, ddsrt_iovec_t *ref) {
  const struct raw_serdata *d = (const struct raw_serdata *)dc;
  ref->iov_base = d->data + off;
  ref->iov_len = (ddsrt_iov_len_t)sz;
  return ddsi_serdata_ref(dc);
}

static void raw_to_ser_unref(struct ddsi_serdata *dc, const ddsrt_iovec_t *ref) {
  (void)ref;
  ddsi_serdata_unref(dc);
}

static bool raw_to_sample(const struct ddsi_serdata *dc, void *sample, void **bufptr, void *buflim) {
  (void)bufptr;
  (void)buflim;
  const struct raw_serdata *d = (const struct raw_serdata *)dc;
  struct raw_sample *s = sample;
  /* The caller owns s->data afterwards (free with ddsrt_free). */
  s->data = d->size > 0 ? ddsrt_malloc(d->size) : NULL;
  if (d->size > 0) memcpy(s->data, d->data, d->size);
  s->size = d->size;
  return true;
}

static struct ddsi_serdata *raw_to_untyped(const struct ddsi_serdata *dc) {
  /* Keyless: the key-only form carries no bytes. */
  struct raw_serdata *d = raw_new(dc->type, SDK_KEY, 0);
  if (d == NULL) return NULL;
  d->c.type = NULL;
  return &d->c;
}

static bool raw_untyped_to_sample(const struct ddsi_sertype *type, const struct ddsi_serdata *dc, void *sample,
                                  void **bufptr, void *buflim) {
  (void)type;
  (void)dc;
  (void)bufptr;
  (void)buflim;
  struct raw_sample *s = sample;
  s->data = NULL;
  s->size = 0;
  return true;
}

static void raw_free(struct ddsi_serdata *dc) {
  struct raw_serdata *d = (struct raw_serdata *)dc;
  ddsrt_free(d->data);
  ddsrt_free(d);
}

static size_t raw_print(const struct ddsi_sertype *type, const struct ddsi_serdata *dc, char *buf, size_t size) {
  (void)type;
  const struct raw_serdata *d = (const struct raw_serdata *)dc;
  int n = snprintf(buf, size, "(%u bytes)", d->size);
  return n < 0 ? 0 : (size_t)n;
}

static void raw_get_keyhash(const struct ddsi_serdata *dc, struct ddsi_keyhash *buf, bool force_md5) {
  (void)dc;
  (void)force_md5;
  memset(buf->value, 0, sizeof(buf->value));
}

static const struct ddsi_serdata_ops raw_serdata_ops = {
  .eqkey = raw_eqkey,
  .get_size = raw_get_size,
  .from_ser = raw_from_ser,
  .from_ser_iov = raw_from_ser_iov,
  .from_keyhash = raw_from_keyhash,
  .from_sample = raw_from_sample,
  .to_ser = raw_to_ser,
  .to_ser_ref = raw_to_ser_ref,
  .to_ser_unref = raw_to_ser_unref,
  .to_sample = raw_to_sample,
  .to_untyped = raw_to_untyped,
  .untyped_to_sample = raw_untyped_to_sample,
  .free = raw_free,
  .print = raw_print,
  .get_keyhash = raw_get_keyhash,
};

/* ---- sertype ops ---- */

static void raw_type_free(struct ddsi_sertype *tp) {
  ddsi_sertype_fini(tp);
  ddsrt_free(tp);
}

static void raw_zero_samples(const struct ddsi_sertype *tp, void *samples, size_t count) {
  (void)tp;
  memset(samples, 0, count * sizeof(struct raw_sample));
}

static void raw_realloc_samples(void **ptrs, const struct ddsi_sertype *tp, void *old, size_t oldcount, size_t count) {
  (void)tp;
  struct raw_sample *s = ddsrt_realloc(old, count * sizeof(struct raw_sample));
  if (count > oldcount) memset(s + oldcount, 0, (count - oldcount) * sizeof(struct raw_sample));
  for (size_t i = 0; i < count; i++) ptrs[i] = &s[i];
}

static void raw_free_samples(const struct ddsi_sertype *tp, void **ptrs, size_t count, dds_free_op_t op) {
  (void)tp;
  if (count == 0) return;
  struct raw_sample *s = ptrs[0];
  for (size_t i = 0; i < count; i++) {
    ddsrt_free(s[i].data);
    s[i].data = NULL;
    s[i].size = 0;
  }
  if (op & DDS_FREE_ALL_BIT) ddsrt_free(s);
}

static bool raw_equal(const struct ddsi_sertype *a, const struct ddsi_sertype *b) {
  /* ddsi_sertype_equal has compared ops and type names already. */
  (void)a;
  (void)b;
  return true;
}

static uint32_t raw_hash(const struct ddsi_sertype *tp) {
  (void)tp;
  return 0x43584552u; /* combined by Cyclone with the type name */
}

static size_t raw_get_serialized_size(const struct ddsi_sertype *tp, const void *sample) {
  (void)tp;
  return ((const struct raw_sample *)sample)->size;
}

static bool raw_serialize_into(const struct ddsi_sertype *tp, const void *sample, void *dst, size_t dst_size) {
  (void)tp;
  const struct raw_sample *s = sample;
  if (dst_size < s->size) return false;
  memcpy(dst, s->data, s->size);
  return true;
}

static const struct ddsi_sertype_ops raw_sertype_ops = {
  .version = ddsi_sertype_v0,
  .arg = NULL,
  .free = raw_type_free,
  .zero_samples = raw_zero_samples,
  .realloc_samples = raw_realloc_samples,
  .free_samples = raw_free_samples,
  .equal = raw_equal,
  .hash = raw_hash,
  .type_id = NULL,
  .type_map = NULL,
  .type_info = NULL,
  .derive_sertype = NULL,
  .get_serialized_size = raw_get_serialized_size,
  .serialize_into = raw_serialize_into,
};

struct ddsi_sertype *raw_sertype_new(const char *type_name) {
  struct ddsi_sertype *tp = ddsrt_malloc(sizeof(*tp));
  ddsi_sertype_init(tp, type_name, &raw_sertype_ops, &raw_serdata_ops, true);
  return tp;
}

struct ddsi_serdata *raw_serdata_from_bytes(const struct ddsi_sertype *type, const void *bytes, size_t size) {
  struct raw_serdata *d = raw_new(type, SDK_DATA, size);
  if (d == NULL) return NULL;
  if (size > 0) memcpy(d->data, bytes, size);
  return &d->c;
}

size_t raw_serdata_copy_out(const struct ddsi_serdata *dc, void **out) {
  uint32_t size = ddsi_serdata_size(dc);
  unsigned char *buf = malloc(size > 0 ? size : 1);
  if (buf == NULL) return (size_t)-1;
  if (size > 0) ddsi_serdata_to_ser(dc, 0, size, buf);
  *out = buf;
  return size;
}
