/*-------------------------------------------------------------------------
 *
 * user_mapping.c
 *	  Reading a user mapping without leaving copies of its secrets behind.
 *	  GetUserMapping goes through untransformRelOptions, which leaves an
 *	  unreachable "name\0value" copy of every option in the caller's
 *	  memory; this reads the catalog's text array itself, and has the
 *	  credential options wiped when the caller's memory context goes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "aws/secrets.h"
#include "credentials/user_mapping.h"

/*
 * Memory-context reset callback: wipe the values of the credential options
 * in a UserMapping's option list, which GetUserMapping copied out of the
 * catalog tuple into the caller's context (and would leave there, freed
 * but whole, after the query).
 */
static void
wipe_mapping_options(void *arg)
{
	List	   *options = (List *) arg;
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (def->arg != NULL && IsA(def->arg, String) &&
			(strcmp(def->defname, "access_key_id") == 0 ||
			 strcmp(def->defname, "secret_access_key") == 0 ||
			 strcmp(def->defname, "session_token") == 0))
			cks_secret_wipe(strVal(def->arg));
	}
}

/* Have user's credential options wiped when its memory context goes. */
static void
wipe_user_mapping_with_context(UserMapping *user)
{
	MemoryContextCallback *callback;

	if (user->options == NIL)
		return;
	callback = MemoryContextAlloc(GetMemoryChunkContext(user), sizeof(MemoryContextCallback));
	callback->func = wipe_mapping_options;
	callback->arg = user->options;
	MemoryContextRegisterResetCallback(GetMemoryChunkContext(user), callback);
}

/*
 * A user mapping's options as DefElems, read straight from the catalog's
 * text array: untransformRelOptions (what GetUserMapping uses) leaves an
 * unreachable "name\0value" copy of each option behind, secrets included.
 * A detoasted copy of the array is wiped too.
 */
static List *
options_without_copies(Datum datum)
{
	ArrayType  *array = DatumGetArrayTypeP(datum);
	Datum	   *elems;
	int			nelems;
	List	   *options = NIL;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, NULL, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		text	   *t = DatumGetTextPP(elems[i]);
		const char *data = VARDATA_ANY(t);
		int			len = VARSIZE_ANY_EXHDR(t);
		const char *eq = memchr(data, '=', len);
		Node	   *value = NULL;

		if (eq != NULL)
			value = (Node *) makeString(pnstrdup(eq + 1, len - (eq + 1 - data)));
		options = lappend(options,
						  makeDefElem(pnstrdup(data, eq ? eq - data : len), value, -1));
	}
	pfree(elems);
	if ((Pointer) array != DatumGetPointer(datum))
	{
		explicit_bzero(array, VARSIZE(array));
		pfree(array);
	}
	return options;
}

UserMapping *
cks_get_user_mapping(Oid userid, Oid serverid)
{
	HeapTuple	tuple;
	UserMapping *user;
	Datum		datum;
	bool		isnull;

	tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
								ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("user mapping not found for user \"%s\" on server \"%s\"",
						MappingUserName(userid), GetForeignServer(serverid)->servername)));
	user = palloc(sizeof(UserMapping));
	user->umid = ((Form_pg_user_mapping) GETSTRUCT(tuple))->oid;
	user->userid = userid;
	user->serverid = serverid;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tuple,
							Anum_pg_user_mapping_umoptions, &isnull);
	user->options = isnull ? NIL : options_without_copies(datum);
	ReleaseSysCache(tuple);
	wipe_user_mapping_with_context(user);
	return user;
}
