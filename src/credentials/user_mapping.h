/*-------------------------------------------------------------------------
 *
 * user_mapping.h
 *	  A user mapping read from the catalog without stray copies of its
 *	  secrets (see user_mapping.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_USER_MAPPING_H
#define CKS_USER_MAPPING_H

#include "foreign/foreign.h"

/*
 * GetUserMapping (the user's mapping, else PUBLIC's; an error when there
 * is none) without the stray copies of the options it leaves in the
 * current memory context; the credential options of the result are wiped
 * when that context is reset or deleted.
 */
extern UserMapping *cks_get_user_mapping(Oid userid, Oid serverid);

#endif							/* CKS_USER_MAPPING_H */
