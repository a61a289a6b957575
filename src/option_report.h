/*-------------------------------------------------------------------------
 *
 * option_report.h
 *	  Where options belong (CKS_ON_*) and the error for one given in the
 *	  wrong place (option_report.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_OPTION_REPORT_H
#define CKS_OPTION_REPORT_H

#include "compat.h"

/* the objects an option may be set on, as flags */
#define CKS_ON_WRAPPER		0x01
#define CKS_ON_SERVER		0x02
#define CKS_ON_USER_MAPPING	0x04
#define CKS_ON_TABLE		0x08
#define CKS_ON_COLUMN		0x10
#define CKS_ON_SERVER_OR_TABLE	(CKS_ON_SERVER | CKS_ON_TABLE)

pg_noreturn extern void cks_report_misplaced_option(const char *keyword,
												   int belongs,
												   const char *const *valid_names);

#endif							/* CKS_OPTION_REPORT_H */
