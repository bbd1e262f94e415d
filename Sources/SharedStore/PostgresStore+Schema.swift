import PostgresNIO
import Service

/// Note [Schema versions]: each migration is a numbered list of statements, applied once and
/// recorded in `schema_version`, all pending ones in one transaction. Workers starting together take an
/// advisory lock first, so exactly one applies a migration and the others find it done. A
/// database from a newer Auris (a version this one does not know) is refused, not altered.
extension PostgresStore {
    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (1, "jobs, batches, audit, leases, uploads, the fleet", [
            "CREATE TABLE batch (id text PRIMARY KEY, created_at timestamptz NOT NULL)",
            """
            CREATE TABLE job (
                seq bigserial UNIQUE NOT NULL,
                id text PRIMARY KEY,
                batch_id text REFERENCES batch (id) ON DELETE CASCADE,
                position integer NOT NULL DEFAULT 0,
                file_name text NOT NULL,
                audio_path text,
                parameters text NOT NULL,
                requested_model text,
                requested_device text,
                state text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL,
                started_at timestamptz,
                finished_at timestamptz,
                processed_seconds double precision,
                total_seconds double precision,
                model text,
                device text,
                transcript text,
                text text,
                error text,
                error_code text,
                error_api_code text,
                processing_ms double precision,
                memory text,
                waiting text,
                worker text,
                lease_until timestamptz,
                cancel_requested boolean NOT NULL DEFAULT false
            )
            """,
            "CREATE INDEX job_queued ON job (seq) WHERE state = 'queued'",
            "CREATE INDEX job_running ON job (lease_until) WHERE state = 'running'",
            "CREATE INDEX job_by_batch ON job (batch_id, position, seq)",
            "CREATE INDEX job_history ON job (finished_at DESC, seq DESC) WHERE state IN ('done', 'failed', 'cancelled')",
            """
            CREATE TABLE audit (
                id bigserial PRIMARY KEY,
                time timestamptz NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                parameters text,
                result text NOT NULL,
                detail text,
                memory_before text,
                memory_after text,
                duration_ms double precision
            )
            """,
            "CREATE INDEX audit_by_action ON audit (action text_pattern_ops)",
            "CREATE INDEX audit_by_time ON audit (time)",
            """
            CREATE TABLE worker (
                name text PRIMARY KEY,
                seen_at timestamptz NOT NULL,
                report text NOT NULL
            )
            """,
            """
            CREATE TABLE command (
                id bigserial PRIMARY KEY,
                worker text NOT NULL,
                action text NOT NULL,
                device text,
                actor text NOT NULL,
                requested_at timestamptz NOT NULL DEFAULT now(),
                taken_at timestamptz,
                done_at timestamptz,
                result text,
                audit_id bigint,
                error text
            )
            """,
            "CREATE INDEX command_waiting ON command (worker, id) WHERE taken_at IS NULL",
            "CREATE TABLE setting (name text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL, updated_by text NOT NULL)",
            """
            CREATE TABLE job_audio (
                job_id text NOT NULL REFERENCES job (id) ON DELETE CASCADE,
                part integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (job_id, part)
            )
            """,
        ]),
    ]

    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7413)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_version (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_version", logger: logger)
                .decode(Int.self) { applied = version }
            let known = Self.migrations.last?.version ?? 0
            guard applied <= known else {
                throw ServiceError(.invalidParameter, "the database's schema is version \(applied), newer than this Auris knows (\(known)); upgrade Auris")
            }
            for migration in Self.migrations where migration.version > applied {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_version (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
            }
        }
    }
}

