/*-------------------------------------------------------------------------
 *
 * option_rules.h
 *	  The combinations of user mapping options that cannot work.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_OPTION_RULES_H
#define CKS_OPTION_RULES_H

#include "nodes/pg_list.h"

/*
 * Raise an ERROR (HV00J or HV00D, with a hint) if the complete option list
 * of a user mapping combines options that cannot work together.
 */
extern void cks_check_user_mapping_combination(List *options);

#endif							/* CKS_OPTION_RULES_H */
