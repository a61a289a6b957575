/*-------------------------------------------------------------------------
 *
 * transfer_wait.h
 *	  Sleeping until a transfer can move, the latch or a deadline: the
 *	  backend's wait for synchronous scans and lone calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CKS_TRANSFER_WAIT_H
#define CKS_TRANSFER_WAIT_H

/*
 * Sleep until a socket of any transfer is ready, curl's own timer is due,
 * timeout_ms passes (-1: no limit of the caller's), or the latch is set;
 * then move every transfer forward.  Cancel and statement_timeout end it at
 * once (CHECK_FOR_INTERRUPTS on the latch).  Returns true if a transfer
 * finished.
 */
extern bool cks_wait_for_transfers(long timeout_ms);

#endif							/* CKS_TRANSFER_WAIT_H */
