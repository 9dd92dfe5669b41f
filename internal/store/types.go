package store

import "kipass/internal/app"

// The record types are the use-case layer's (internal/app): the store fills
// and stores them. These aliases keep the store's own code and tests short.
type (
	User           = app.User
	NewUser        = app.NewUser
	UserFilter     = app.UserFilter
	AccountChange  = app.AccountChange
	Assignment     = app.Assignment
	Attempt        = app.Attempt
	Submission     = app.Submission
	Progress       = app.Progress
	ModuleState    = app.ModuleState
	Graded         = app.Graded
	Actor          = app.Actor
	AuditEntry     = app.AuditEntry
	AuditFilter    = app.AuditFilter
	Certificate    = app.Certificate
	NewCertificate = app.NewCertificate
	Export         = app.Export
	SessionInfo    = app.SessionInfo
	ModulePass     = app.ModulePass
	ImportUser     = app.ImportUser
	ReportRow      = app.ReportRow
	Session        = app.Session
)

// Constants of the record types, under their store names.
const (
	RoleEmployee    = app.RoleEmployee
	RoleHR          = app.RoleHR
	RoleAdmin       = app.RoleAdmin
	RoleSystem      = app.RoleSystem
	KindModule      = app.KindModule
	KindExam        = app.KindExam
	ScopeAll        = app.ScopeAll
	ScopeDepartment = app.ScopeDepartment
	ScopeUser       = app.ScopeUser
	SessionBrowser  = app.SessionBrowser
	SessionAPI      = app.SessionAPI
	TokenSetup      = app.TokenSetup
	TokenInvite     = app.TokenInvite
	TokenReset      = app.TokenReset
)

// ValidRole reports whether r is one of the three roles.
func ValidRole(r string) bool { return app.ValidRole(r) }
