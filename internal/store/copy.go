package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// copyOrder lists the tables in an order in which every row's references
// are copied before it.
var copyOrder = []string{"users", "departments", "change_counter", "sessions", "one_time_tokens", "login_failures", "attempts", "module_passes", "certificates",
	"assignments", "audit_log", "hr_departments", "reminders_sent", "job_runs", "course_starts",
	"oidc_logins", "session_id_tokens", "scim_groups", "scim_group_members", "scim_tokens", "address_failures", "settings"}

// TableCopy is what CopyTo moved of one table: the rows and a checksum
// over them, equal on both sides.
type TableCopy struct {
	Table    string
	Rows     int
	Checksum string
}

// CopyTo copies every table of this SQLite database into the empty,
// migrated PostgreSQL database dst, in one transaction there (all or
// nothing) from one consistent read of the source (the server may keep
// running; writes after the read are not copied). It refuses a dst that
// holds any row, and a source table it does not know. Afterwards it counts
// and checksums every table on both sides and fails when they differ.
func (db *DB) CopyTo(ctx context.Context, dst *DB) ([]TableCopy, error) {
	if db.pg || !dst.pg {
		return nil, fmt.Errorf("store: copy goes from SQLite to PostgreSQL")
	}
	src, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !slices.Contains(copyOrder, t) {
			return nil, fmt.Errorf("store: the copy does not know the table %s yet; nothing was copied", t)
		}
	}
	var out []TableCopy
	err = dst.runTx(ctx, func(tx *sql.Tx) error {
		for _, t := range copyOrder {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("store: the PostgreSQL database is not empty (%s has %d rows); copy only into a new database", t, n)
			}
		}
		for _, t := range copyOrder {
			cols, types, err := pgColumns(ctx, tx, t)
			if err != nil {
				return err
			}
			n, err := copyTable(ctx, src, tx, t, cols, types)
			if err != nil {
				return fmt.Errorf("store: copy %s: %w", t, err)
			}
			out = append(out, TableCopy{Table: t, Rows: n})
		}
		// Identity columns continue after the copied ids.
		for _, c := range [][2]string{{"users", "id"}, {"assignments", "id"}, {"audit_log", "id"}, {"attempts", "seq"}} {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+c[0]+`', '`+c[1]+`'), coalesce(max(`+c[1]+`), 0) + 1, false) FROM `+c[0]); err != nil {
				return err
			}
		}
		for i, c := range out {
			cols, types, err := pgColumns(ctx, tx, c.Table)
			if err != nil {
				return err
			}
			srcSum, srcRows, err := checksum(ctx, src, c.Table, cols, types, false)
			if err != nil {
				return err
			}
			dstSum, dstRows, err := checksum(ctx, tx, c.Table, cols, types, true)
			if err != nil {
				return err
			}
			if srcSum != dstSum || srcRows != dstRows || srcRows != c.Rows {
				return fmt.Errorf("store: %s differs after the copy (%d rows, checksum %s; copied %d rows, checksum %s); nothing was copied",
					c.Table, srcRows, srcSum, dstRows, dstSum)
			}
			out[i].Checksum = srcSum
		}
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	return out, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func sqliteTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// pgColumns returns a PostgreSQL table's columns and their types, in order.
func pgColumns(ctx context.Context, q querier, table string) ([]string, []string, error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols, types []string
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			return nil, nil, err
		}
		cols, types = append(cols, c), append(types, ty)
	}
	return cols, types, rows.Err()
}

// sourceColumns are the SQLite expressions for the PostgreSQL columns:
// attempts.seq is SQLite's rowid (the insertion order).
func sourceColumns(table string, cols []string) string {
	exprs := slices.Clone(cols)
	for i, c := range exprs {
		if table == "attempts" && c == "seq" {
			exprs[i] = "rowid"
		}
	}
	return strings.Join(exprs, ", ")
}

func copyTable(ctx context.Context, src querier, dst *sql.Tx, table string, cols, types []string) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+sourceColumns(table, cols)+` FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	ins, err := dst.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+`)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = toPostgres(v, types[i])
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// toPostgres converts a value read from SQLite for a PostgreSQL column type.
func toPostgres(v any, pgType string) any {
	switch pgType {
	case "boolean":
		if i, ok := v.(int64); ok {
			return i != 0
		}
	case "text":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	case "bytea":
		if s, ok := v.(string); ok {
			return []byte(s)
		}
	}
	return v
}

// checksum is an order-independent checksum of a table's rows: the sum of
// the rows' SHA-256 hashes (mod 2^256) over a canonical form of the values
// that both engines give alike (booleans as 0/1, bytes in hex).
func checksum(ctx context.Context, q querier, table string, cols, types []string, onPG bool) (string, int, error) {
	sel := sourceColumns(table, cols)
	if onPG {
		sel = strings.Join(cols, ", ")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+sel+` FROM `+table)
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	sum := new(big.Int)
	mod := new(big.Int).Lsh(big.NewInt(1), 256)
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", 0, err
		}
		h := sha256.New()
		for i, v := range vals {
			fmt.Fprintf(h, "%s\x1f", canonical(toPostgres(v, types[i])))
		}
		sum.Add(sum, new(big.Int).SetBytes(h.Sum(nil)))
		sum.Mod(sum, mod)
		n++
	}
	return fmt.Sprintf("%064x", sum), n, rows.Err()
}

func canonical(v any) string {
	switch v := v.(type) {
	case nil:
		return "\x00null"
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case []byte:
		return "x" + hex.EncodeToString(v)
	case string:
		return "s" + v
	default:
		return fmt.Sprintf("%T:%v", v, v)
	}
}
