/*-------------------------------------------------------------------------
 *
 * raw_jsonb.h
 *	  The raw column's conversion: a parsed entry to jsonb.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_RAW_JSONB_H
#define CKS_RAW_JSONB_H

#include "postgres.h"

struct json_object;

/*
 * The entry as jsonb, built from json-c's tree without a text round trip;
 * numbers keep the text AWS sent.  A string holding \u0000 is an error, as
 * in jsonb_in.
 */
extern Datum cks_entry_to_jsonb(struct json_object *entry);

#endif							/* CKS_RAW_JSONB_H */
