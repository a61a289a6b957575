/*-------------------------------------------------------------------------
 *
 * mapping_options.h
 *	  The combination rules of user-mapping options (mapping_options.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_MAPPING_OPTIONS_H
#define CKS_MAPPING_OPTIONS_H

#include "nodes/pg_list.h"

/*
 * ereport(ERROR) when a user mapping's option list (DefElems) combines
 * options that do not go together, or lacks an option another needs.
 */
extern void cks_check_user_mapping_combination(List *options);

#endif							/* CKS_MAPPING_OPTIONS_H */
