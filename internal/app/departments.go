package app

import (
	"context"

	"kipass/internal/auth"
	"kipass/internal/errs"
)

// DepartmentInfo is one listed department and its number of active people.
type DepartmentInfo struct {
	Name   string
	People int
}

// DepartmentStore keeps the list of departments.
type DepartmentStore interface {
	DepartmentList(ctx context.Context) ([]DepartmentInfo, error)
	// DepartmentPeople reports whether a department is listed and how
	// many active people it has.
	DepartmentPeople(ctx context.Context, name string) (known bool, people int, err error)
	CreateDepartment(ctx context.Context, name string, by Actor) error
	RenameDepartment(ctx context.Context, from, to string, by Actor) error
	// MergeDepartments moves people, HR limits and assignments of each
	// pair's first department into its second and unlists the first.
	MergeDepartments(ctx context.Context, merges [][2]string, by Actor) (int, error)
}

// Merge is one department merged into another: "Sales" into "Vertrieb".
type Merge struct{ From, Into string }

// ErrUnknownDepartment answers a department that is not listed or has no
// people, where one with people is needed (assignments).
var ErrUnknownDepartment = &errs.Error{Kind: errs.Invalid, Code: "unknown_department",
	Message: "This department is not in the list or has no people.", Fields: map[string]string{"department": "unknown_department"}}

// errAdminOnly answers changes to the list by anyone but an admin.
var errAdminOnly = errs.New(errs.Forbidden, "forbidden", "Only administrators keep the list of departments.")

// Departments lists the departments with their number of people.
func (a *App) DepartmentList(ctx context.Context) ([]DepartmentInfo, error) {
	return a.depts.DepartmentList(ctx)
}

// departmentName checks a department name as names are checked everywhere.
func departmentName(field, name string) (string, error) {
	name = auth.CleanName(name)
	if why := auth.CheckName(name, true, 100); why != "" {
		return name, auth.InputError(map[string]string{field: why})
	}
	return name, nil
}

// CreateDepartment lists a new department (admins only).
func (a *App) CreateDepartment(ctx context.Context, by User, name string) error {
	if by.Role != RoleAdmin {
		return errAdminOnly
	}
	name, err := departmentName("name", name)
	if err != nil {
		return err
	}
	return a.depts.CreateDepartment(ctx, name, Actor{ID: by.ID, Role: by.Role})
}

// RenameDepartment renames a listed department with everything in it
// (admins only); a name that is taken is a conflict: merge instead.
func (a *App) RenameDepartment(ctx context.Context, by User, from, to string) error {
	if by.Role != RoleAdmin {
		return errAdminOnly
	}
	to, err := departmentName("to", to)
	if err != nil {
		return err
	}
	if from == to {
		return errs.Field("to", "same_name")
	}
	return a.depts.RenameDepartment(ctx, from, to, Actor{ID: by.ID, Role: by.Role})
}

// MergeDepartments merges departments (admins only) and returns how many
// people moved. A department merged into itself ("merge_into_itself"), an
// unlisted one ("unknown_department"), one merged twice, or a department
// that is both merged away and merged into ("merge_cycle": A into B and B
// into A, or a chain, whose result would depend on the order) is refused
// with 400 and nothing changes.
func (a *App) MergeDepartments(ctx context.Context, by User, merges []Merge) (int, error) {
	if by.Role != RoleAdmin {
		return 0, errAdminOnly
	}
	if len(merges) == 0 {
		return 0, errs.Field("merges", "required")
	}
	from := map[string]bool{}
	for _, m := range merges {
		if m.From == m.Into {
			return 0, errs.New(errs.Invalid, "merge_into_itself", "A department cannot be merged into itself.")
		}
		if from[m.From] {
			return 0, errs.New(errs.Invalid, "merge_cycle", "A department is merged twice.")
		}
		from[m.From] = true
	}
	pairs := make([][2]string, 0, len(merges))
	for _, m := range merges {
		if from[m.Into] {
			return 0, errs.New(errs.Invalid, "merge_cycle", "A department is merged away and merged into at once; merge in separate steps.")
		}
		for _, name := range []string{m.From, m.Into} {
			if known, _, err := a.depts.DepartmentPeople(ctx, name); err != nil {
				return 0, err
			} else if !known {
				return 0, ErrUnknownDepartment
			}
		}
		pairs = append(pairs, [2]string{m.From, m.Into})
	}
	return a.depts.MergeDepartments(ctx, pairs, Actor{ID: by.ID, Role: by.Role})
}

// listedDepartment checks that an account's department (set by an admin)
// is in the list; "" (none) is fine. New departments come from imports or
// the list's page. Without a department store (command-line tools that
// only import) there is no list to check against.
func (a *App) listedDepartment(ctx context.Context, name string) error {
	if name == "" || a.depts == nil {
		return nil
	}
	known, _, err := a.depts.DepartmentPeople(ctx, name)
	if err != nil || known {
		return err
	}
	return &errs.Error{Kind: errs.Invalid, Code: "unknown_department", Message: "This department is not in the list; add it on the departments page first.",
		Fields: map[string]string{"department": "unknown_department"}}
}
