/*
 * Preloaded into ippeveprinter (CUPS 2.4) by test/helpers/ipp-lab.ts when it loads an attribute
 * file with -a. Without it the printer answers Get-Printer-Attributes with some attributes twice.
 *
 * Why: after reading the -a file, ippeveprinter adds its own document-format-default,
 * document-format-supported and media-col-supported, whether or not the file already set them.
 * Its own format list comes from the -f option, which cannot be combined with -a, so it is always
 * application/octet-stream, image/pwg-raster and image/urf. The file's list is found first, so
 * ippeveprinter accepts PDF jobs, but it sends both lists, and ipptool fails the response
 * ("Duplicate attribute in printer-attributes-tag group").
 *
 * What: when ippeveprinter adds one of those three printer attributes to a message that already
 * has it, this returns the attribute already there and adds nothing, so the file's value is the
 * only one. Every other call goes straight to libcups. It changes how the printer is configured,
 * not what it does on the wire.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -o attr-file-wins.so attr-file-wins.c -ldl
 * (test/peers/ipp/setup.sh does this; needs only gcc and the C library headers, not libcups-dev).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

/* Opaque libcups types; only pointers are passed around here. */
typedef struct ipp_s ipp_t;
typedef struct ipp_attribute_s ipp_attribute_t;
typedef int ipp_tag_t;

#define PRINTER_GROUP 0x04 /* IPP_TAG_PRINTER */
#define ANY_VALUE_TAG 0x00 /* IPP_TAG_ZERO */

typedef ipp_attribute_t *(*add_string_fn)(ipp_t *, ipp_tag_t, ipp_tag_t, const char *, const char *,
                                          const char *);
typedef ipp_attribute_t *(*add_strings_fn)(ipp_t *, ipp_tag_t, ipp_tag_t, const char *, int, const char *,
                                           const char *const *);
typedef ipp_attribute_t *(*find_fn)(ipp_t *, const char *, ipp_tag_t);

static add_string_fn next_add_string;
static add_strings_fn next_add_strings;
static find_fn find_attribute;

__attribute__((constructor)) static void resolve(void) {
  next_add_string = (add_string_fn)dlsym(RTLD_NEXT, "ippAddString");
  next_add_strings = (add_strings_fn)dlsym(RTLD_NEXT, "ippAddStrings");
  find_attribute = (find_fn)dlsym(RTLD_NEXT, "ippFindAttribute");
}

/* The attribute already in the message when the -a file set it, else NULL. */
static ipp_attribute_t *set_by_file(ipp_t *ipp, ipp_tag_t group, const char *name) {
  static const char *const names[] = {"document-format-default", "document-format-supported",
                                      "media-col-supported"};
  size_t i;

  if (group != PRINTER_GROUP || name == NULL || find_attribute == NULL) return NULL;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (strcmp(name, names[i]) == 0) return find_attribute(ipp, name, ANY_VALUE_TAG);
  return NULL;
}

ipp_attribute_t *ippAddString(ipp_t *ipp, ipp_tag_t group, ipp_tag_t value_tag, const char *name,
                              const char *language, const char *value) {
  ipp_attribute_t *existing = set_by_file(ipp, group, name);
  if (existing != NULL) return existing;
  return next_add_string(ipp, group, value_tag, name, language, value);
}

ipp_attribute_t *ippAddStrings(ipp_t *ipp, ipp_tag_t group, ipp_tag_t value_tag, const char *name,
                               int num_values, const char *language, const char *const *values) {
  /* Only calls that pass their values: a caller filling the values in later would overwrite the
     file's attribute through the pointer returned here. */
  ipp_attribute_t *existing = values != NULL ? set_by_file(ipp, group, name) : NULL;
  if (existing != NULL) return existing;
  return next_add_strings(ipp, group, value_tag, name, num_values, language, values);
}
