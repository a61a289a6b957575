#!/usr/bin/env python3
"""The documentation's SQL, run: every ```sql block of README.md and
doc/*.md, and every examples/*.sql file, against the local endpoint in the
throwaway cluster (tests/suites/docs.sh runs this; see tests/README.md).

  doc_blocks.py list            the blocks found, one line each
  doc_blocks.py run             run them all; prints ok / not ok per block
                                and ends with "N passed, N failed"

Markers, HTML comments on the lines right above a block (blank lines
between are allowed):
  <!-- fails: 42501 -->         the block must fail with this SQLSTATE
  <!-- as: report_owner -->     run it as that role (SET ROLE; the harness
                                creates the roles of ROLES; the examples
                                connect as report_owner with psql -U)
  <!-- db: postgres -->         run it in that database, not the page's
  <!-- endpoints: default -->   leave CREATE SERVER as written (for blocks
                                about the endpoint options themselves)
  <!-- version: 1.0 -->         run it in a database of the page whose
                                extension was created at that version
  <!-- needs: cron -->          skipped (and said so) where the cron
                                extension is not preloaded (PostgreSQL 18)

Each page runs in a fresh database named "reports" (the name the pages
use).  README.md starts from an empty database, as a new user does; a
doc/ page starts where the README's quickstart ends (server kms_prod,
its user mapping, custom_key_stores, keys, cloudhsm_clusters in public).
The real-AWS placeholders are replaced by the local endpoint's:
endpoint options are added to every CREATE SERVER (and to the calls of
examples/multi_account.sql's procedure), the placeholder keys
('AKIA...', '...') become the endpoint's test keys, and the sample account
123456789012 and role kms-reader become the endpoint's 111111111111 and
cks-reader.  Nothing else is changed.
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DB = "reports"
ROLES = ("report_owner", "dashboard_reader")
PASSWORD = "cks-docs-test"       # the roles log in with it (psql -U), as users do
ACCESS_KEY = "AKIDCKSTEST111111111"
SECRET_KEY = "cks/test/secret/111111111111/AAAAAAAAAAAA"
ENDPOINT_OPTIONS = ("endpoint", "sts_endpoint", "cloudhsm_endpoint",
                    "organizations_endpoint", "cloudwatch_endpoint")
MARKER = re.compile(r"<!--\s*(fails|as|db|needs|endpoints|version):\s*([^ ]+)\s*-->")


def blocks_of_page(path):
    """The ```sql blocks of a Markdown page, with their markers."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() != "```sql":
            i += 1
            continue
        markers, j = {}, i - 1
        while j >= 0 and (lines[j].strip() == "" or MARKER.search(lines[j])):
            for key, value in MARKER.findall(lines[j]):
                markers[key] = value
            j -= 1
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        blocks.append({"file": os.path.relpath(path, ROOT), "line": i + 1,
                       "sql": "\n".join(lines[i + 1:end]) + "\n", **markers})
        i = end + 1
    return blocks


def pages():
    return [os.path.join(ROOT, "README.md")] + sorted(
        glob.glob(os.path.join(ROOT, "doc", "*.md")))


def localize(sql, endpoint, add_endpoints=True):
    """Real-AWS placeholders -> the local endpoint's (see the module doc)."""
    def add_endpoints_to(m):
        statement = sql[m.end():m.end() + 2000].split(";")[0]
        extra = "".join("%s '%s', " % (o, endpoint) for o in ENDPOINT_OPTIONS
                        if not re.search(r"\b%s\b" % o, statement))
        return m.group(0) + extra
    if add_endpoints:
        sql = re.sub(r"CREATE SERVER (IF NOT EXISTS )?\w+ FOREIGN DATA WRAPPER cks_fdw\s+OPTIONS \(",
                     add_endpoints_to, sql)
    sql = re.sub(r"'(AKIA|ASIA)\.\.\.'", "'%s'" % ACCESS_KEY, sql)
    sql = re.sub(r"secret_access_key( =>)? '\.\.\.'", r"secret_access_key\1 '%s'" % SECRET_KEY, sql)
    if add_endpoints:
        sql = re.sub(r"(cks_create_account_partitions\((?:(?!\);).)*?regions => '[^']*',)",
                     r"\1 endpoint => '%s', sts_endpoint => '%s'," % (endpoint, endpoint),
                     sql, flags=re.S)
    sql = sql.replace("123456789012", "111111111111")
    sql = sql.replace(":role/kms-reader", ":role/cks-reader")
    return sql


class Runner:
    def __init__(self):
        self.passed = self.failed = 0
        self.endpoint = os.environ["CKS_ENDPOINT_URL"]
        self.versioned = set()
        self.tmp = tempfile.mkdtemp(prefix="cks-docs.")
        os.chmod(self.tmp, 0o755)
        self.cron = self.scalar("postgres",
            "SELECT current_setting('shared_preload_libraries') ~ 'pg_cron'") == "t"

    def ok(self, what, evidence=""):
        self.passed += 1
        print("ok - " + what)

    def fail(self, what, evidence=""):
        self.failed += 1
        print("not ok - " + what)
        for line in evidence.strip().split("\n")[:30]:
            print("    " + line)

    def psql(self, db, sql, env=None, variables=(), user=None):
        """Run sql (a string) with ON_ERROR_STOP, connected as user (a
        role of ROLES, with its password) or as the cluster's superuser;
        (rc, output)."""
        path = os.path.join(self.tmp, "block.sql")
        with open(path, "w") as f:
            f.write("\\set VERBOSITY verbose\n" + sql)
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", path]
        if user:
            args[1:1] = ["-U", user]
            env = dict(env or {}, PGPASSWORD=PASSWORD)
        for v in variables:
            args[1:1] = ["-v", v]
        p = subprocess.run(args, capture_output=True, text=True,
                           env=dict(os.environ, **(env or {})), cwd=ROOT)
        return p.returncode, p.stdout + p.stderr

    def scalar(self, db, query):
        p = subprocess.run(["psql", "-X", "-At", "-d", db, "-c", query],
                           capture_output=True, text=True)
        return p.stdout.strip()

    def fresh_db(self, prepared):
        """A new "reports" database; with prepared, the quickstart's objects."""
        self.unschedule()
        for db in [DB] + sorted(self.versioned):
            subprocess.run(["dropdb", "--if-exists", db], capture_output=True)
        self.versioned = set()
        subprocess.run(["createdb", DB], check=True)
        if not prepared:
            return
        rc, out = self.psql(DB, localize("""
CREATE EXTENSION cks_fdw;
CREATE SERVER kms_prod FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1,eu-west-1,ap-southeast-2');
CREATE USER MAPPING FOR CURRENT_USER SERVER kms_prod
  OPTIONS (access_key_id 'AKIA...', secret_access_key '...');
IMPORT FOREIGN SCHEMA kms FROM SERVER kms_prod INTO public;
IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER kms_prod INTO public;
IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER kms_prod INTO public;
""", self.endpoint))
        if rc != 0:
            raise SystemExit("could not prepare the database:\n" + out)

    def versioned_db(self, version):
        """reports_vX_Y, with the extension at that version, made once per page."""
        db = "reports_v" + version.replace(".", "_")
        if db not in self.versioned:
            subprocess.run(["dropdb", "--if-exists", db], capture_output=True)
            subprocess.run(["createdb", db], check=True)
            self.scalar(db, "CREATE EXTENSION cks_fdw VERSION '%s'" % version)
            self.versioned.add(db)
        return db

    def unschedule(self):
        if self.cron:
            self.scalar("postgres", "SELECT count(cron.unschedule(jobid)) FROM cron.job"
                        " WHERE database = '%s'" % DB)

    def run_block(self, block, prefix=""):
        what = "%s:%d" % (block["file"], block["line"])
        if block.get("needs") == "cron" and not self.cron:
            self.ok(what + " # skip: the cron extension is not preloaded here")
            return
        sql = localize(block["sql"], self.endpoint, block.get("endpoints") != "default")
        if "as" in block:
            sql = "SET ROLE %s;\n%s" % (block["as"], sql)
        db = block.get("db", DB)
        if "version" in block:
            db = self.versioned_db(block["version"])
        rc, out = self.psql(db, prefix + sql)
        want = block.get("fails")
        got = re.search(r"ERROR:  ([0-9A-Z]{5}):", out)
        if want is None and rc == 0:
            self.ok(what + " runs")
        elif want is None:
            self.fail(what + " runs", out)
        elif rc != 0 and got and got.group(1) == want:
            self.ok("%s fails with %s, as marked" % (what, want))
        else:
            self.fail("%s fails with %s, as marked" % (what, want),
                      "rc %d, first SQLSTATE %s\n%s" % (rc, got and got.group(1), out))

    def run_pages(self):
        for page in pages():
            blocks = blocks_of_page(page)
            if not blocks:
                continue
            self.fresh_db(prepared=not page.endswith("README.md"))
            for block in blocks:
                self.run_block(block)

    def example(self, name, role=None, db=DB, env=None, variables=()):
        """Load examples/NAME as a user does (psql -f), as role."""
        sql = open(os.path.join(ROOT, "examples", name)).read()
        return self.psql(db, sql, env=env, variables=variables, user=role)

    def check_example(self, what, rc_out, want_ok=True, needle=None):
        rc, out = rc_out
        if (rc == 0) == want_ok and (needle is None or needle in out):
            self.ok(what)
        else:
            self.fail(what, out)

    def run_examples(self):
        """examples/*.sql in the order examples/README.md gives, as the
        non-superuser report_owner, each loaded twice ("can be loaded
        again"); 00_server.sql also without keys."""
        self.fresh_db(prepared=False)
        keys = {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        # without AWS_ACCESS_KEY_ID, even as a superuser: an error that says
        # what to set, and no server or mapping left behind
        self.check_example("examples/00_server.sql without AWS_ACCESS_KEY_ID says what to set",
                           self.example_without_key(role=None), False,
                           "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        left = self.scalar(DB, "SELECT count(*) FROM pg_foreign_server")
        (self.ok if left == "0" else self.fail)(
            "examples/00_server.sql without a key leaves no server behind", "servers: " + left)
        # what a superuser does once (examples/00_server.sql's header), and
        # the one difference from AWS: where it is
        rc, out = self.psql(DB, localize("""
CREATE EXTENSION cks_fdw;
GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO report_owner;
ALTER DATABASE reports OWNER TO report_owner;
ALTER SCHEMA public OWNER TO report_owner;
CREATE SERVER kms_prod FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1,eu-west-1');
GRANT USAGE ON FOREIGN SERVER kms_prod TO report_owner;
""", self.endpoint))
        if rc != 0:
            self.fail("examples: the superuser's preparation", out)
            return
        self.check_example("examples/00_server.sql as report_owner without AWS_ACCESS_KEY_ID fails",
                           self.example_without_key(), False,
                           "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        left = self.scalar(DB, "SELECT count(*) FROM pg_user_mappings WHERE srvname = 'kms_prod'")
        (self.ok if left == "0" else self.fail)(
            "examples/00_server.sql without a key leaves no user mapping behind")
        regions = "regions=us-east-1,eu-west-1"
        for n in (1, 2):
            self.check_example("examples/00_server.sql loads as report_owner (%d)" % n,
                               self.example("00_server.sql", "report_owner", env=keys,
                                            variables=[regions]))
        for name in ("report_history.sql", "inventory.sql", "materialized.sql"):
            for n in (1, 2):
                self.check_example("examples/%s loads as report_owner (%d)" % (name, n),
                                   self.example(name, "report_owner"))
        self.check_example("examples/export.sql writes a CSV header",
                           self.example("export.sql", "report_owner"), True,
                           "account_id,region,custom_key_store_id")
        rc, out = self.psql(DB, "SET ROLE report_owner;\n"
                            "IMPORT FOREIGN SCHEMA kms LIMIT TO (keys) FROM SERVER kms_prod INTO public;\n"
                            "IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER kms_prod INTO public;\n"
                            "IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER kms_prod INTO public;\n")
        self.check_example("examples/console.sql's tables import as report_owner", (rc, out))
        for n in (1, 2):
            self.check_example("examples/console.sql loads as report_owner (%d)" % n,
                               self.example("console.sql", "report_owner"))
        for n in (1, 2):
            self.check_example("examples/health.sql loads as report_owner (%d)" % n,
                               self.example("health.sql", "report_owner"))
        if self.cron:
            self.scalar("postgres", "CREATE EXTENSION IF NOT EXISTS pg_cron;"
                        " GRANT USAGE ON SCHEMA cron TO report_owner;"
                        " GRANT EXECUTE ON FUNCTION cron.schedule_in_database(text, text, text,"
                        " text, text, boolean) TO report_owner")
            for n in (1, 2):
                self.check_example("examples/cron.sql loads as report_owner (%d)" % n,
                                   self.example("cron.sql", "report_owner", db="postgres",
                                                variables=["report_db=" + DB]))
            owner = self.scalar("postgres", "SELECT string_agg(DISTINCT username, ',')"
                                " FROM cron.job WHERE jobname LIKE 'cks-%'")
            (self.ok if owner == "report_owner" else self.fail)(
                "the cron jobs belong to report_owner", "owners: " + owner)
        else:
            self.ok("examples/cron.sql # skip: the cron extension is not preloaded here")
        self.run_multi_account()

    def example_without_key(self, role="report_owner"):
        env = dict(os.environ, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        env.pop("AWS_ACCESS_KEY_ID", None)
        path = os.path.join(ROOT, "examples", "00_server.sql")
        user = []
        if role:
            user = ["-U", role]
            env["PGPASSWORD"] = PASSWORD
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB] + user
                           + ["-f", path], capture_output=True, text=True, env=env, cwd=ROOT)
        return p.returncode, p.stdout + p.stderr

    def run_multi_account(self):
        """multi_account.sql twice, then its procedure twice: the second
        CALL's new option reaches the servers that exist already."""
        self.fresh_db(prepared=False)
        self.psql(DB, "CREATE EXTENSION cks_fdw;")
        for n in (1, 2):
            self.check_example("examples/multi_account.sql loads (%d)" % n,
                               self.example("multi_account.sql"))
        call = """
CREATE TABLE IF NOT EXISTS key_stores (custom_key_store_id text, region text, account_id text)
  PARTITION BY LIST (account_id);
CALL cks_create_account_partitions('key_stores',
  ARRAY['arn:aws:iam::111111111111:role/cks-reader', 'arn:aws:iam::222222222222:role/cks-reader'],
  regions => 'us-east-1', access_key_id => '%s', secret_access_key => '%s',
  endpoint => '%s', sts_endpoint => '%s'%s);
""" % (ACCESS_KEY, SECRET_KEY, self.endpoint, self.endpoint, "%s")
        rc, out = self.psql(DB, call % "")
        self.check_example("cks_create_account_partitions creates two accounts", (rc, out))
        rc, out = self.psql(DB, call % (", cloudhsm_endpoint => '%s'" % self.endpoint))
        self.check_example("calling it again with cloudhsm_endpoint runs", (rc, out))
        n = self.scalar(DB, "SELECT count(*) FROM pg_foreign_server, pg_options_to_table(srvoptions)"
                        " WHERE srvname LIKE 'kms\\_%' AND option_name = 'cloudhsm_endpoint'")
        (self.ok if n == "2" else self.fail)(
            "the second CALL's cloudhsm_endpoint reaches both existing servers", "servers with it: " + n)
        got = self.scalar(DB, "SELECT count(*) FROM key_stores")
        (self.ok if got.isdigit() and int(got) > 0 else self.fail)(
            "the partitioned key_stores returns rows", got)

    def check_reference(self):
        """The reference pages against the code: one row per option and
        setting in doc/configuration.md, one per SQLSTATE in
        doc/troubleshooting.md, the IAM files valid and complete."""
        def first_cells(page):
            rows = [l for l in open(os.path.join(ROOT, "doc", page)).read().split("\n")
                    if l.startswith("| ") and not l.startswith("|---")]
            return [re.findall(r"`([^`]+)`", r.split("|")[1]) for r in rows]
        source = "".join(open(f).read() for f in
                         glob.glob(os.path.join(ROOT, "src", "**", "*.c"), recursive=True)
                         + [os.path.join(ROOT, "cks_fdw.c")])
        options = re.findall(r'\.keyword = "([a-z_]+)"', open(glob.glob(
            os.path.join(ROOT, "src", "**", "options.c"), recursive=True)[0]).read())
        gucs = re.findall(r'DefineCustom\w+Variable\(\s*"([a-z_.]+)"', source)
        cells = first_cells("configuration.md")
        for name in options + gucs:
            n = sum(name in c for c in cells)
            (self.ok if n == 1 else self.fail)(
                "doc/configuration.md has one row for %s" % name, "rows: %d" % n)
        inc = subprocess.run(["pg_config", "--includedir-server"], capture_output=True,
                             text=True).stdout.strip()
        codes = dict((m[0], "".join(m[1].split("','")))
                     for m in re.findall(r"#define (ERRCODE_\w+)\s+MAKE_SQLSTATE\('(.','.','.','.','.)'\)",
                                         open(os.path.join(inc, "utils", "errcodes.h")).read()))
        cells = [c for row in first_cells("troubleshooting.md") for c in row]
        for name in sorted(set(re.findall(r"\b(ERRCODE_[A-Z_]+)\b", source))):
            state = codes.get(name, "?")
            (self.ok if state in cells else self.fail)(
                "doc/troubleshooting.md has a row for %s (%s)" % (state, name))
        actions = {}
        for f in glob.glob(os.path.join(ROOT, "doc", "iam", "*.json")):
            try:
                doc = json.load(open(f))
                self.ok("%s is JSON" % os.path.relpath(f, ROOT))
            except ValueError as e:
                self.fail("%s is JSON" % os.path.relpath(f, ROOT), str(e))
                continue
            actions[os.path.basename(f)] = set(re.findall(r'"([a-z]+:[A-Za-z]+)"', json.dumps(doc)))
        # a service's IAM prefix follows its error parser in the descriptor
        # (CloudWatch signs as "monitoring" but its actions are cloudwatch:)
        services = dict(re.findall(r'CksService (cks_service_\w+) = \{[^;]*?_parse_error, "(\w+)"',
                                   source, re.S))
        called = set("%s:%s" % (services[s], a) for s, a in re.findall(
            r"\.service = &(cks_service_\w+),\s*\.action = \"(\w+)\"", source))
        missing = called - actions.get("all-tables.json", set())
        (self.ok if called and not missing else self.fail)(
            "doc/iam/all-tables.json allows every action the code calls (%d)" % len(called),
            "missing: %s" % ", ".join(sorted(missing)))
        (self.ok if actions.get("minimal.json") == {"kms:DescribeCustomKeyStores"} else self.fail)(
            "doc/iam/minimal.json allows kms:DescribeCustomKeyStores and nothing else")

    def check_links(self):
        """Every relative link of the Markdown pages names a file that
        exists, and an anchor a heading of that file has."""
        def slugs(path):
            text = re.sub(r"```.*?```", "", open(path).read(), flags=re.S)
            return set(re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                       for h in re.findall(r"^#+ (.*)$", text, re.M))
        files = [os.path.join(ROOT, f) for f in ("README.md", "CONTRIBUTING.md",
                 "tests/README.md", "bench/README.md", "examples/README.md")]
        files += sorted(glob.glob(os.path.join(ROOT, "doc", "*.md")))
        bad = []
        for f in files:
            for target in re.findall(r"\]\(([^)\s]+)\)", open(f).read()):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                full = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
                if not os.path.exists(full):
                    bad.append("%s: %s" % (os.path.relpath(f, ROOT), target))
                elif anchor and full.endswith(".md") and anchor not in slugs(full):
                    bad.append("%s: %s (no such heading)" % (os.path.relpath(f, ROOT), target))
        (self.ok if not bad else self.fail)(
            "every relative link of the documentation resolves", "\n".join(bad))

    def run(self):
        for role in ROLES:
            self.scalar("postgres", "DO $$ BEGIN CREATE ROLE %s; EXCEPTION WHEN duplicate_object"
                        " THEN NULL; END $$; ALTER ROLE %s LOGIN PASSWORD '%s'"
                        % (role, role, PASSWORD))
        count = sum(len(blocks_of_page(p)) for p in pages())
        examples = sorted(glob.glob(os.path.join(ROOT, "examples", "*.sql")))
        print("# %d sql blocks in README.md and doc/*.md, %d files in examples/"
              % (count, len(examples)))
        self.check_reference()
        self.check_links()
        self.run_pages()
        self.run_examples()
        self.fresh_db(prepared=False)
        subprocess.run(["dropdb", "--if-exists", DB], capture_output=True)
        for role in ROLES:
            self.scalar("postgres", "DROP OWNED BY %s; DROP ROLE %s" % (role, role))
        print("%d passed, %d failed" % (self.passed, self.failed))
        return self.failed == 0


def main():
    if sys.argv[1:] == ["list"]:
        for page in pages():
            for b in blocks_of_page(page):
                marks = {k: v for k, v in b.items() if k not in ("file", "line", "sql")}
                print("%s:%d %s" % (b["file"], b["line"], json.dumps(marks) if marks else ""))
        return 0
    if sys.argv[1:] == ["run"]:
        return 0 if Runner().run() else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
