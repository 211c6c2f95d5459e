#ifndef CXP_READERS_H
#define CXP_READERS_H

#include <stdbool.h>
#include <stdint.h>

#include "napi_util.h"

/*
 * DDS readers whose data reaches JavaScript: samples (raw CDR, batched through a bounded ring) or
 * endpoint discovery events (the built-in publication/subscription topics). JS thread only, except
 * the listeners Cyclone calls on its own threads.
 */
enum listener_kind { LK_SAMPLES, LK_PUBLICATIONS, LK_SUBSCRIPTIONS };

/* Creates the reader; its entity handle as a JS number, or NULL with an exception pending. */
napi_value attach_reader(napi_env env, enum listener_kind kind, dds_entity_t participant, dds_entity_t topic,
                         const dds_qos_t *qos, napi_value callback, int32_t max_queued);

/* Counters of a reader made here; false when `reader` is not one. */
bool reader_stats(dds_entity_t reader, double *delivered, double *dropped);

/* Lets go of the readers that no longer exist (after a delete of them or of their parent). */
void release_dead_readers(void);

/* Deletes every reader made here and lets go of them (process or worker exit). */
void release_all_readers(void);

#endif
