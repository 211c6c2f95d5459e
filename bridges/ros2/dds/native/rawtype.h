#ifndef CXP_RAWTYPE_H
#define CXP_RAWTYPE_H

#include <stddef.h>
#include <stdint.h>

struct ddsi_sertype;
struct ddsi_serdata;

/* A sample of the raw type: serialized bytes (CDR encapsulation header included). */
struct raw_sample {
  unsigned char *data;
  uint32_t size;
};

/* A new keyless sertype named `type_name` (e.g. "std_msgs::msg::dds_::String_"). */
struct ddsi_sertype *raw_sertype_new(const char *type_name);

/* A serdata holding a copy of `bytes`, for dds_writecdr (which takes over the reference). */
struct ddsi_serdata *raw_serdata_from_bytes(const struct ddsi_sertype *type, const void *bytes, size_t size);

/* Copies the serialized form of any serdata into a malloc'd buffer; returns its size, or (size_t)-1. */
size_t raw_serdata_copy_out(const struct ddsi_serdata *d, void **out);

#endif
