package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"kipass/internal/app"
	"kipass/internal/errs"
)

var (
	errSCIMNotFound = errs.New(errs.NotFound, "not_found", "No such resource.")
	errSCIMConflict = errs.New(errs.Conflict, "scim_conflict", "Another resource has this userName, externalId or displayName.")
)

const scimUserColumns = `id, email, name, department, role, active, created_at, deactivated_at, coalesce(scim_id, ''), coalesce(scim_external_id, ''), updated_at`

func scimUserDest(a *app.SCIMAccount) []any {
	return []any{&a.ID, &a.Email, &a.Name, &a.Department, &a.Role, &a.Active, &a.CreatedAt, &a.DeactivatedAt, &a.SCIMID, &a.ExternalID, &a.UpdatedAt}
}

func newSCIMID() string { return rand.Text() }

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func scimActor(by Actor) (Actor, string) {
	return Actor{Role: by.Role}, fmt.Sprintf("scim token %d", by.ID)
}

// SCIMCreateUser creates an account managed by SCIM, or links the account
// with the same email that SCIM does not manage (made on /admin, by
// import, by single sign-on, or deleted through SCIM before).
func (db *DB) SCIMCreateUser(ctx context.Context, a app.SCIMAccount, by Actor) (app.SCIMAccount, error) {
	now := db.now()
	actor, who := scimActor(by)
	var out app.SCIMAccount
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var old app.SCIMAccount
		err := tx.QueryRowContext(ctx, `SELECT `+scimUserColumns+` FROM users WHERE email = ?`, a.Email).Scan(scimUserDest(&old)...)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id, err := insertUser(ctx, tx, NewUser{Email: a.Email, Name: a.Name, Department: a.Department, Role: a.Role}, now)
			if err != nil {
				return err
			}
			a.ID = id
			if err := audit(ctx, tx, now, actor, "account.created", id, who+"; role "+a.Role); err != nil {
				return err
			}
		case err != nil:
			return err
		case old.SCIMID != "":
			return errSCIMConflict
		default:
			a.ID, a.Role = old.ID, old.Role
			if err := audit(ctx, tx, now, actor, "account.scim_linked", old.ID, who); err != nil {
				return err
			}
		}
		deactivated := int64(0)
		if !a.Active {
			deactivated = now
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, a.ID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET name = ?, department = ?, active = ?, deactivated_at = CASE WHEN ? THEN 0 WHEN deactivated_at > 0 THEN deactivated_at ELSE ? END,
			scim_id = ?, scim_external_id = ?, updated_at = ? WHERE id = ?`,
			a.Name, a.Department, a.Active, a.Active, deactivated, newSCIMID(), nullText(a.ExternalID), now, a.ID)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT `+scimUserColumns+` FROM users WHERE id = ?`, a.ID).Scan(scimUserDest(&out)...)
	})
	if isUnique(err) || errors.Is(err, app.ErrEmailTaken) {
		return out, errSCIMConflict
	}
	return out, err
}

// SCIMUser returns an account SCIM manages.
func (db *DB) SCIMUser(ctx context.Context, scimID string, groups bool) (app.SCIMAccount, error) {
	var a app.SCIMAccount
	err := db.queryRow(ctx, `SELECT `+scimUserColumns+` FROM users WHERE scim_id = ?`, scimID).Scan(scimUserDest(&a)...)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errSCIMNotFound
	}
	if err != nil || !groups {
		return a, err
	}
	rows, err := db.query(ctx, `SELECT g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.display_name`, a.ID)
	if err != nil {
		return a, err
	}
	defer rows.Close()
	for rows.Next() {
		var g app.SCIMGroupRef
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return a, err
		}
		a.Groups = append(a.Groups, g)
	}
	return a, rows.Err()
}

// SCIMUsers returns one page of the accounts SCIM manages that match f,
// in the order they were created, and the number of all matches.
func (db *DB) SCIMUsers(ctx context.Context, f app.SCIMFilter, offset, limit int) ([]app.SCIMAccount, int, error) {
	where := []string{"scim_id IS NOT NULL"}
	var args []any
	add := func(cond string, v *string) {
		if v != nil {
			where = append(where, cond)
			args = append(args, *v)
		}
	}
	add("scim_id = ?", f.ID)
	add("email = ?", f.Email)
	add("scim_external_id = ?", f.ExternalID)
	add("lower(name) = lower(?)", f.Name) // displayName is caseExact=false
	add("id IN (SELECT user_id FROM scim_group_members WHERE group_id = ?)", f.Member)
	w := " FROM users WHERE " + strings.Join(where, " AND ")
	var total int
	if err := db.queryRow(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+scimUserColumns+w+` ORDER BY id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]app.SCIMAccount, 0, min(limit, total))
	for rows.Next() {
		var a app.SCIMAccount
		if err := rows.Scan(scimUserDest(&a)...); err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// SCIMUpdateUser reads the account, lets change edit it and writes the
// result in one transaction. Deactivating ends the sessions; the last
// active admin is not deactivated.
func (db *DB) SCIMUpdateUser(ctx context.Context, scimID string, change func(*app.SCIMAccount) error, by Actor) (app.SCIMAccount, error) {
	now := db.now()
	actor, who := scimActor(by)
	var a app.SCIMAccount
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var old app.SCIMAccount
		err := tx.QueryRowContext(ctx, `SELECT `+scimUserColumns+` FROM users WHERE scim_id = ?`, scimID).Scan(scimUserDest(&old)...)
		if errors.Is(err, sql.ErrNoRows) {
			return errSCIMNotFound
		}
		if err != nil {
			return err
		}
		a = old
		if err := change(&a); err != nil {
			return err
		}
		if old.Active && !a.Active {
			if err := keepLastAdmin(ctx, tx, old.User); err != nil {
				return err
			}
		}
		detail := scimDetail(old, a)
		if detail == "" {
			return nil
		}
		deactivated := old.DeactivatedAt
		switch {
		case old.Active && !a.Active:
			deactivated = now
		case a.Active:
			deactivated = 0
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, department = ?, active = ?, deactivated_at = ?, scim_external_id = ?, updated_at = ? WHERE id = ?`,
			a.Email, a.Name, a.Department, a.Active, deactivated, nullText(a.ExternalID), now, a.ID); err != nil {
			return err
		}
		if !a.Active {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, a.ID); err != nil {
				return err
			}
		}
		a.UpdatedAt, a.DeactivatedAt = now, deactivated
		return audit(ctx, tx, now, actor, "account.updated", a.ID, who+": "+detail)
	})
	if isUnique(err) {
		return a, errSCIMConflict
	}
	return a, err
}

func keepLastAdmin(ctx context.Context, tx *sql.Tx, u User) error {
	if u.Role != RoleAdmin || !u.Active {
		return nil
	}
	var admins int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE`).Scan(&admins); err != nil {
		return err
	}
	if admins <= 1 {
		return errLastAdmin
	}
	return nil
}

// scimDetail describes a SCIM change without names or addresses; "" when
// nothing changed.
func scimDetail(old, a app.SCIMAccount) string {
	var parts []string
	if old.Email != a.Email {
		parts = append(parts, "email changed")
	}
	if old.Name != a.Name {
		parts = append(parts, "name changed")
	}
	if old.Department != a.Department {
		parts = append(parts, "department "+quote(old.Department)+" -> "+quote(a.Department))
	}
	if old.ExternalID != a.ExternalID {
		parts = append(parts, "externalId changed")
	}
	if old.Active != a.Active {
		if a.Active {
			parts = append(parts, "reactivated")
		} else {
			parts = append(parts, "deactivated")
		}
	}
	return strings.Join(parts, "; ")
}

// SCIMDeleteUser deprovisions: the account is deactivated, its sessions
// end, and SCIM no longer sees it (its SCIM ids are dropped). Retention
// erases it later as any deactivated account.
func (db *DB) SCIMDeleteUser(ctx context.Context, scimID string, by Actor) error {
	now := db.now()
	actor, who := scimActor(by)
	return db.tx(ctx, func(tx *sql.Tx) error {
		var u app.SCIMAccount
		err := tx.QueryRowContext(ctx, `SELECT `+scimUserColumns+` FROM users WHERE scim_id = ?`, scimID).Scan(scimUserDest(&u)...)
		if errors.Is(err, sql.ErrNoRows) {
			return errSCIMNotFound
		}
		if err != nil {
			return err
		}
		if err := keepLastAdmin(ctx, tx, u.User); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET active = FALSE, deactivated_at = CASE WHEN active = TRUE THEN ? ELSE deactivated_at END,
			scim_id = NULL, scim_external_id = NULL, updated_at = ? WHERE id = ?`, now, now, u.ID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM sessions WHERE user_id = ?`, `DELETE FROM scim_group_members WHERE user_id = ?`} {
			if _, err := tx.ExecContext(ctx, q, u.ID); err != nil {
				return err
			}
		}
		return audit(ctx, tx, now, actor, "account.scim_deleted", u.ID, who+": deactivated")
	})
}

// --- groups ---

func (db *DB) scimGroupByID(ctx context.Context, q queryer, id string, members bool) (app.SCIMGroup, error) {
	var g app.SCIMGroup
	err := q.QueryRowContext(ctx, `SELECT id, display_name, coalesce(external_id, ''), created_at, updated_at FROM scim_groups WHERE id = ?`, id).
		Scan(&g.ID, &g.Name, &g.ExternalID, &g.CreatedAt, &g.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return g, errSCIMNotFound
	}
	if err != nil || !members {
		return g, err
	}
	g.Members, err = groupMembers(ctx, q, id)
	return g, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func groupMembers(ctx context.Context, q queryer, id string) ([]app.SCIMMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.scim_id, u.name FROM scim_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? AND u.scim_id IS NOT NULL ORDER BY u.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []app.SCIMMember
	for rows.Next() {
		var m app.SCIMMember
		if err := rows.Scan(&m.SCIMID, &m.Name); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SCIMGroup returns a group.
func (db *DB) SCIMGroup(ctx context.Context, id string, members bool) (app.SCIMGroup, error) {
	return db.scimGroupByID(ctx, db.read, id, members)
}

// SCIMGroups returns one page of matching groups by name and the number
// of all matches.
func (db *DB) SCIMGroups(ctx context.Context, f app.SCIMFilter, offset, limit int, members bool) ([]app.SCIMGroup, int, error) {
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, v *string) {
		if v != nil {
			where = append(where, cond)
			args = append(args, *v)
		}
	}
	add("id = ?", f.ID)
	add("display_name = ?", f.Name) // the column's collation ignores case
	add("external_id = ?", f.ExternalID)
	add("id IN (SELECT m.group_id FROM scim_group_members m JOIN users u ON u.id = m.user_id WHERE u.scim_id = ?)", f.Member)
	w := " FROM scim_groups WHERE " + strings.Join(where, " AND ")
	var total int
	if err := db.queryRow(ctx, `SELECT count(*)`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT id`+w+` ORDER BY created_at, id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]app.SCIMGroup, 0, len(ids))
	for _, id := range ids {
		g, err := db.SCIMGroup(ctx, id, members)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, nil
}

// memberIDs turns members' SCIM ids into account ids; an unknown one is
// an errs.Invalid naming it.
func memberIDs(ctx context.Context, tx *sql.Tx, scimIDs []string) ([]int64, error) {
	out := make([]int64, 0, len(scimIDs))
	for _, s := range scimIDs {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE scim_id = ?`, s).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.New(errs.Invalid, "invalid_member", "A member is not a user that SCIM manages: "+s)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// SCIMCreateGroup creates a group with its members and maps their groups
// to roles and departments.
func (db *DB) SCIMCreateGroup(ctx context.Context, g app.SCIMGroup, members []string, m app.GroupMapper, by Actor) (app.SCIMGroup, error) {
	now := db.now()
	actor, who := scimActor(by)
	var out app.SCIMGroup
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ids, err := memberIDs(ctx, tx, members)
		if err != nil {
			return err
		}
		g.ID = newSCIMID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO scim_groups (id, display_name, external_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			g.ID, g.Name, nullText(g.ExternalID), now, now); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO scim_group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, g.ID, id); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, now, actor, "scim.group_created", 0, fmt.Sprintf("%s: %d members", who, len(ids))); err != nil {
			return err
		}
		if err := remap(ctx, tx, now, ids, m, actor, who); err != nil {
			return err
		}
		out, err = db.scimGroupByID(ctx, tx, g.ID, true)
		return err
	})
	if isUnique(err) {
		return out, errSCIMConflict
	}
	return out, err
}

// SCIMChangeGroup renames a group and changes its members, then maps the
// affected accounts again.
func (db *DB) SCIMChangeGroup(ctx context.Context, id string, ch app.MembersChange, m app.GroupMapper, by Actor) error {
	now := db.now()
	actor, who := scimActor(by)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := db.scimGroupByID(ctx, tx, id, false); err != nil {
			return err
		}
		before, err := int64s(ctx, tx, `SELECT user_id FROM scim_group_members WHERE group_id = ?`, id)
		if err != nil {
			return err
		}
		if ch.Name != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET display_name = ? WHERE id = ?`, *ch.Name, id); err != nil {
				return err
			}
		}
		if ch.ExternalID != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET external_id = ? WHERE id = ?`, nullText(*ch.ExternalID), id); err != nil {
				return err
			}
		}
		if ch.Replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE group_id = ?`, id); err != nil {
				return err
			}
			ch.Add = ch.Members
		}
		add, err := memberIDs(ctx, tx, ch.Add)
		if err != nil {
			return err
		}
		for _, u := range add {
			if _, err := tx.ExecContext(ctx, `INSERT INTO scim_group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, u); err != nil {
				return err
			}
		}
		for _, s := range ch.Remove {
			if _, err := tx.ExecContext(ctx, `DELETE FROM scim_group_members WHERE group_id = ? AND user_id = (SELECT id FROM users WHERE scim_id = ?)`, id, s); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scim_groups SET updated_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		after, err := int64s(ctx, tx, `SELECT user_id FROM scim_group_members WHERE group_id = ?`, id)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actor, "scim.group_changed", 0, fmt.Sprintf("%s: %d members before, %d after", who, len(before), len(after))); err != nil {
			return err
		}
		return remap(ctx, tx, now, append(before, after...), m, actor, who)
	})
	if isUnique(err) {
		return errSCIMConflict
	}
	return err
}

// SCIMDeleteGroup deletes a group; its members keep their accounts and
// are mapped again without it.
func (db *DB) SCIMDeleteGroup(ctx context.Context, id string, m app.GroupMapper, by Actor) error {
	now := db.now()
	actor, who := scimActor(by)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := db.scimGroupByID(ctx, tx, id, false); err != nil {
			return err
		}
		before, err := int64s(ctx, tx, `SELECT user_id FROM scim_group_members WHERE group_id = ?`, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM scim_groups WHERE id = ?`, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, now, actor, "scim.group_deleted", 0, who); err != nil {
			return err
		}
		return remap(ctx, tx, now, before, m, actor, who)
	})
}

func int64s(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// remap applies the group mapping to the accounts: a changed role ends
// their sessions (as an admin's edit does); the last active admin keeps
// the role.
func remap(ctx context.Context, tx *sql.Tx, now int64, ids []int64, m app.GroupMapper, actor Actor, who string) error {
	if m == nil {
		return nil
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for i, id := range ids {
		if i > 0 && ids[i-1] == id {
			continue
		}
		var u User
		if err := tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id).Scan(userDest(&u)...); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT g.display_name FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = ? ORDER BY g.display_name`, id)
		if err != nil {
			return err
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			names = append(names, n)
		}
		rows.Close()
		role, dept := m(names, u)
		if role != u.Role && u.Role == RoleAdmin {
			if err := keepLastAdmin(ctx, tx, u); err != nil {
				role = u.Role
			}
		}
		if role == u.Role && dept == u.Department {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, department = ?, updated_at = ? WHERE id = ?`, role, dept, now, id); err != nil {
			return err
		}
		var parts []string
		if role != u.Role {
			parts = append(parts, "role "+u.Role+" -> "+role)
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
			if role != RoleHR {
				if _, err := tx.ExecContext(ctx, `DELETE FROM hr_departments WHERE user_id = ?`, id); err != nil {
					return err
				}
			}
		}
		if dept != u.Department {
			parts = append(parts, "department "+quote(u.Department)+" -> "+quote(dept))
		}
		if err := audit(ctx, tx, now, actor, "account.updated", id, who+" groups: "+strings.Join(parts, "; ")); err != nil {
			return err
		}
	}
	return nil
}

// --- tokens ---

// CreateSCIMToken stores a SCIM client's token hash and audits it.
func (db *DB) CreateSCIMToken(ctx context.Context, name string, tokenHash []byte, by Actor) (int64, error) {
	now := db.now()
	var id int64
	err := db.txQuiet(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO scim_tokens (name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			name, tokenHash, nullID(by.ID), now).Scan(&id); err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "scim.token_created", 0, fmt.Sprintf("token %d", id))
	})
	return id, err
}

// RevokeSCIMToken revokes a token for good and audits it.
func (db *DB) RevokeSCIMToken(ctx context.Context, id int64, by Actor) error {
	now := db.now()
	return db.txQuiet(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE scim_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "not_found", "No such SCIM token, or it is revoked already.")
		}
		return audit(ctx, tx, now, by, "scim.token_revoked", 0, fmt.Sprintf("token %d", id))
	})
}

// SCIMTokens lists the tokens, newest first.
func (db *DB) SCIMTokens(ctx context.Context) ([]app.SCIMToken, error) {
	rows, err := db.query(ctx, `SELECT id, name, coalesce(created_by, 0), created_at, revoked_at FROM scim_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []app.SCIMToken
	for rows.Next() {
		var t app.SCIMToken
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedBy, &t.CreatedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SCIMTokenID returns the id of the usable token with the hash.
func (db *DB) SCIMTokenID(ctx context.Context, tokenHash []byte) (int64, bool, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM scim_tokens WHERE token_hash = ? AND revoked_at = 0`, tokenHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}
