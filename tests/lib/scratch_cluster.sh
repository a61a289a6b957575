# The scratch cluster a suite starts beside the one it runs in, for what a
# running cluster cannot change: its preloaded libraries (credfile.sh),
# its postmaster's environment (egress.sh).  Sourced after
# tests/lib/suite.sh; the suite starts it itself (pg_ctl start with its own
# environment) after scratch_initdb.
#   scratch_cluster NAME   bindir, and work, data, run under $suite_tmp/NAME
#   scratch_initdb         initdb as postgres, then the base settings: a
#                          private Unix socket in $run, no TCP, fsync off.
#                          On failure one "not ok", the suite's cleanup,
#                          the summary, and exit 1
#   scratch_stop           stop it (immediate) if it runs: for the suite's
#                          cleanup, which its EXIT trap runs

scratch_cluster() {
	bindir=$(pg_config --bindir)
	work=$suite_tmp/$1
	data=$work/data
	run=$work/run
	mkdir -p "$work" "$run"
	chmod 755 "$work"
}

scratch_stop() {
	if [ -f "$data/postmaster.pid" ]; then
		runuser -u postgres -- "$bindir/pg_ctl" stop -D "$data" -m immediate \
			-w -t 60 >/dev/null 2>&1 || true
	fi
}

scratch_initdb() {
	mkdir -p "$data"
	chown postgres: "$data" "$run"
	chmod 700 "$data"
	if ! runuser -u postgres -- "$bindir/initdb" -D "$data" -U postgres -A trust \
			--no-sync >"$work/initdb.log" 2>&1; then
		fail "initdb of the scratch cluster" "$(cat "$work/initdb.log")"
		cleanup
		trap - EXIT
		summary
		exit 1
	fi
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$run'
port = 5432
fsync = off
max_connections = 10
CONF
}
