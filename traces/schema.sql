-- traces/schema.sql: the vmsim trace format, schema version 1.
--
-- One SQLite file per run.  sim/trace.c embeds this text byte for byte
-- (tests/unit/kern/test_trace.c checks that they agree); change both
-- together and bump user_version for any incompatible change.  The
-- format is described in docs/trace.md.
--
-- The simulator's cycle counts, addresses and counter values are unsigned
-- 64-bit numbers; SQLite INTEGER is signed 64-bit, so values of 2^63 and
-- above (amd64 kernel addresses) are stored as their two's complement:
-- readers convert them back to unsigned.
PRAGMA application_id = 1986884401; -- 0x766d7331, 'vms1': a vmsim trace
PRAGMA user_version = 1;            -- the schema version

-- The run: one row, written when the run starts (status 'running') and
-- updated when the trace is closed ('complete' or 'failed').  config is
-- the whole machine configuration with its cost table (the JSON of
-- machine_config_json); replay rebuilds the machine from it alone.
CREATE TABLE run (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	tool_version TEXT NOT NULL,
	arch TEXT NOT NULL,          -- mips, mipsel, amd64
	seed INTEGER NOT NULL,
	config TEXT CHECK (config IS NULL OR json_valid(config)),
	command_line TEXT CHECK (command_line IS NULL OR
	    json_valid(command_line)),           -- JSON array of strings
	sample_cycles INTEGER NOT NULL DEFAULT 0, -- counter period, 0: none
	status TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed')),
	status_detail TEXT,          -- why a run failed
	exit_status INTEGER,         -- of the first process, or NULL
	totals TEXT CHECK (totals IS NULL OR json_valid(totals)),
	events INTEGER,              -- event rows, set when the trace closes
	digest TEXT,                 -- hash of every event row (docs/trace.md)
	counter_digest TEXT          -- hash of every counter row
);

-- Every input, by content: guest binaries, files the guest read, the
-- scenario.  role says what it was (binary, file, scenario), name where
-- it came from; a second input with the same content keeps the first row
-- (the input table lists every one).
CREATE TABLE blob (
	sha256 TEXT PRIMARY KEY,     -- lowercase hex SHA-256 of data
	role TEXT NOT NULL,
	name TEXT,
	size INTEGER NOT NULL,
	data BLOB NOT NULL
);

-- Every input by name, in the order the run took them in: the program
-- as it was given (role binary) and each guest path read from the root
-- (role file).  Replay serves these names from the blobs.
CREATE TABLE input (
	id INTEGER PRIMARY KEY,
	role TEXT NOT NULL,
	name TEXT,
	sha256 TEXT NOT NULL REFERENCES blob (sha256)
);

-- Every event, in emission order (sim/base/event.h).  kind is the
-- ev_kind name (page_fault, tlb_refill, ...), type its subtype or NULL.
-- region names the mapping va fell in when the event happened:
-- file:PATH+0xOFFSET, bss:PATH, heap, stack, anon@0xSTART, or NULL.
CREATE TABLE event (
	seq INTEGER PRIMARY KEY,
	cycle INTEGER NOT NULL,
	cpu INTEGER NOT NULL,
	pid INTEGER NOT NULL,
	tid INTEGER NOT NULL,
	kind TEXT NOT NULL,
	type TEXT,
	va INTEGER NOT NULL,
	pa INTEGER NOT NULL,
	pc INTEGER NOT NULL,
	detail TEXT,                 -- NULL when empty
	region TEXT
);

-- Counter samples: periodic (final = 0: every run.sample_cycles cycles
-- and at the end) and final totals (final = 1), per scope (machine, cpu,
-- process).
CREATE TABLE counter (
	id INTEGER PRIMARY KEY,
	cycle INTEGER NOT NULL,
	final INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
	scope TEXT NOT NULL,
	scope_id INTEGER NOT NULL,
	name TEXT NOT NULL,
	value INTEGER NOT NULL
);

-- The processes of the run; exit_status is NULL until the process exits.
CREATE TABLE process (
	pid INTEGER PRIMARY KEY,
	ppid INTEGER NOT NULL,
	program TEXT NOT NULL,
	argv TEXT CHECK (argv IS NULL OR json_valid(argv)),  -- JSON array
	exit_status INTEGER
);
