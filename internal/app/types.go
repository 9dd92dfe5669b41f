package app

import "time"

// The types below are kipass's core records. They are plain values: the
// store fills them from its tables, the use cases apply the rules to them
// and the handlers render them. Byte-slice fields hold JSON documents that
// this package writes and reads; the store keeps them as they are.

// One-time token purposes.
const (
	TokenSetup  = "setup"
	TokenInvite = "invite"
	TokenReset  = "reset"
)

// UserFilter selects accounts for the admin list. Empty fields match all.
type UserFilter struct {
	Query      string // part of the name or email
	Department string
	Role       string
	Limit      int // default 50
	Offset     int
}

// AccountChange is an admin's edit of an account.
type AccountChange struct {
	Email      string // normalised; "" keeps the address
	Name       string
	Department string
	Role       string
	Active     bool
	// HRDepartments limits an HR account to these departments (none: all).
	HRDepartments []string
}

// Assignment scopes.
const (
	ScopeAll        = "all"
	ScopeDepartment = "department"
	ScopeUser       = "user"
)

// Assignment assigns a course with a due date.
type Assignment struct {
	ID         int64
	CourseID   string
	Scope      string
	Department string
	UserID     int64
	DueAt      time.Time
	CreatedBy  int64
	CreatedAt  time.Time
}

// Attempt kinds.
const (
	KindModule = "module"
	KindExam   = "exam"
)

// Attempt is a quiz or exam attempt. Questions, Answers and Result are JSON
// documents owned by the caller; the store keeps them as they are.
type Attempt struct {
	ID             string
	UserID         int64
	CourseID       string
	ModuleID       string // "" for the exam
	Kind           string
	Lang           string
	ContentVersion string
	Questions      []byte
	StartedAt      time.Time
	ExpiresAt      time.Time // zero: no time limit
	SubmittedAt    time.Time // zero: open
	Answers        []byte
	ScorePercent   int
	Passed         bool
	Result         []byte
	Draft          []byte // answers saved so far (content ids), while open
}

// Open reports whether the attempt has not been submitted.
func (a Attempt) Open() bool { return a.SubmittedAt.IsZero() }

// Progress is a user's state in one course.
type Progress struct {
	ModulesPassed map[string]time.Time // module id -> first pass
	ExamPassedAt  time.Time            // zero: not passed
}

// ModuleState is a user's state in one module: whether it is passed, the
// open attempt and the newest graded one (nil when there is none).
type ModuleState struct {
	Passed bool
	Open   *Attempt
	Last   *Graded
}

// Graded is the outcome of a graded attempt, without its details.
type Graded struct {
	ID           string
	ScorePercent int
	Passed       bool
}

// Actor is who does something: an account with its role, or the system
// (ID 0, role "system") for scheduled jobs.
type Actor struct {
	ID   int64
	Role string
}

// RoleSystem is the actor role of scheduled jobs (retention, reminders).
const RoleSystem = "system"

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	ActorID   int64     `json:"actor_id,omitempty"`
	ActorRole string    `json:"actor_role"`
	Action    string    `json:"action"`
	SubjectID int64     `json:"subject_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; zero fields match all.
type AuditFilter struct {
	SubjectID int64 // entries about this account
	ActorID   int64 // entries by this account
	Action    string
	Limit     int // default 100
	Offset    int
}

// Certificate is a stored certificate record.
type Certificate struct {
	ID             string
	UserID         int64 // 0 when the holder's account was erased
	AttemptID      string
	HolderName     string
	CourseID       string
	ContentVersion string
	Lang           string
	IssuedAt       time.Time
	ExpiresAt      time.Time
	StatusIndex    int
	RevokedAt      time.Time // zero: not revoked
	RevokeReason   string
}

// Revoked reports whether the certificate was revoked.
func (c Certificate) Revoked() bool { return !c.RevokedAt.IsZero() }

// NewCertificate is what the caller decides about a certificate to issue.
type NewCertificate struct {
	ID             string
	HolderName     string
	ContentVersion string
	Lang           string
	IssuedAt       time.Time
	ExpiresAt      time.Time
}

// Export is everything stored about one person.
type Export struct {
	User          User
	ModulePasses  []ModulePass
	Attempts      []Attempt
	Certificates  []Certificate
	Audit         []AuditEntry // entries about the person or by them
	Assignments   []Assignment // assignments that name the person
	HRDepartments []string     // departments an HR account is limited to
	LastReminded  time.Time    // zero: never
	Sessions      []SessionInfo
}

// SessionInfo is a session without its token.
type SessionInfo struct {
	Kind                           string
	CreatedAt, LastSeen, ExpiresAt time.Time
}

// ModulePass is a passed module.
type ModulePass struct {
	CourseID, ModuleID, AttemptID string
	PassedAt                      time.Time
}

// ImportUser is one account of an import. InviteHash is the hash of the
// invitation token used when the account is new.
type ImportUser struct {
	Email, Name, Department, Role string
	InviteHash                    []byte
}

// ReportRow is one person's facts for one course.
type ReportRow struct {
	UserID         int64
	Name           string
	Email          string
	Department     string
	Lang           string
	Started        bool
	CertificateID  string
	IssuedAt       time.Time // zero: no certificate
	CertificateEnd time.Time
	DueAt          time.Time // earliest due date of the assignments that cover the person; zero: not assigned
	// Invited: the account has no password yet and was invited (by import
	// or an admin) at InvitedAt, the newest invitation.
	Invited   bool
	InvitedAt time.Time
}

// Session kinds.
const (
	SessionBrowser = "browser"
	SessionAPI     = "api"
)

// Session is a logged-in session with its user.
type Session struct {
	Kind       string
	CreatedAt  int64
	LastSeenAt int64
	ExpiresAt  int64
	User       User
}

// Roles of an account.
const (
	RoleEmployee = "employee"
	RoleHR       = "hr"
	RoleAdmin    = "admin"
)

// ValidRole reports whether r is one of the three roles.
func ValidRole(r string) bool { return r == RoleEmployee || r == RoleHR || r == RoleAdmin }

// User is an account.
type User struct {
	ID           int64
	Email        string
	Name         string
	Department   string
	Role         string
	PasswordHash string
	Lang         string
	Active       bool
	CreatedAt    int64
	// DeactivatedAt is when the account was deactivated (Unix seconds; 0
	// while active).
	DeactivatedAt int64
}

// NewUser holds what is needed to create an account. Email must already be
// normalised; PasswordHash is an encoded argon2id hash.
type NewUser struct {
	Email        string
	Name         string
	Department   string
	Role         string
	PasswordHash string
	Lang         string
	// HRDepartments limits an HR account to these departments (none: it
	// sees every department); ignored for other roles.
	HRDepartments []string
}

// Submission is the graded outcome of an attempt, decided by Submit: the
// store records it as it is, in one transaction.
type Submission struct {
	Answers      []byte // the answers, as JSON
	ScorePercent int
	Passed       bool
	// Result is the stored result document (see Result), with the id of
	// the certificate this submission issues or keeps.
	Result      []byte
	SubmittedAt time.Time
	// Certificate, when set, is inserted with the submission.
	Certificate *NewCertificate
	// CurrentCertificate is the id of the holder's current certificate for
	// the course ("" for none) that the decision above was based on. The
	// store checks it inside the transaction and answers ErrStale when it
	// changed, so that a parallel pass or revocation is never overlooked.
	CurrentCertificate string
}
