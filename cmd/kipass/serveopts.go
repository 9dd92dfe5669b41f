package main

import (
	"flag"
	"os"
	"strings"

	"kipass/internal/mail"
	"kipass/internal/store"
	"kipass/web"
)

// privacyOptions are serve's settings for data protection: the privacy
// notice, retention periods, the works-council mode and email reminders.
type privacyOptions struct {
	AggregateOnly     bool
	Controller        string
	Contact           string
	DPO               string
	AnswerDays        int
	DeactivatedMonths int
	AuditMonths       int
	SMTPHost          string
	SMTPPort          int
	SMTPUser          string
	SMTPPasswordFile  string
	SMTPFrom          string
	SMTPTLS           string
}

func (o *privacyOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.AggregateOnly, "aggregate-only", false, "works-council mode: HR sees department totals of groups of at least 5 people only; no per-person reports or exports")
	fs.StringVar(&o.Controller, "privacy-controller", "", "the organisation responsible for the data, with address, for the privacy notice at /privacy (default: the issuer name)")
	fs.StringVar(&o.Contact, "privacy-contact", "", "contact for data-protection requests (email or web address), shown in the privacy notice; wins over the contact set at /admin/settings")
	fs.StringVar(&o.DPO, "privacy-dpo", "", "the data protection officer's contact, shown in the privacy notice; wins over the one set at /admin/settings")
	fs.IntVar(&o.AnswerDays, "retain-answers-days", 90, "delete the answers of quiz and exam attempts after this many `days`, keeping score and pass (0: keep)")
	fs.IntVar(&o.DeactivatedMonths, "retain-deactivated-months", 12, "erase accounts deactivated for this many `months` (0: keep)")
	fs.IntVar(&o.AuditMonths, "retain-audit-months", 24, "delete audit log entries after this many `months` (0: keep)")
	fs.StringVar(&o.SMTPHost, "smtp-host", "", "mail server for reminder emails (default: none; reminders are only logged as \"would send\")")
	fs.IntVar(&o.SMTPPort, "smtp-port", 0, "mail server port (default: 587, 465 with --smtp-tls=tls)")
	fs.StringVar(&o.SMTPUser, "smtp-user", "", "mail server user name")
	fs.StringVar(&o.SMTPPasswordFile, "smtp-password-file", "", "`file` holding the mail server password")
	fs.StringVar(&o.SMTPFrom, "smtp-from", "", "sender address of reminder emails")
	fs.StringVar(&o.SMTPTLS, "smtp-tls", mail.TLSStartTLS, "starttls, tls (implicit, port 465) or none (localhost only)")
}

// check validates the options and returns the mail settings.
func (o *privacyOptions) check() (mail.Config, error) {
	for _, n := range []struct {
		name string
		v    int
	}{{"--retain-answers-days", o.AnswerDays}, {"--retain-deactivated-months", o.DeactivatedMonths}, {"--retain-audit-months", o.AuditMonths}} {
		if n.v < 0 {
			return mail.Config{}, fail(1, "%s must be 0 (keep) or more, not %d", n.name, n.v)
		}
	}
	mc := mail.Config{Host: o.SMTPHost, Port: o.SMTPPort, Username: o.SMTPUser, From: o.SMTPFrom, TLS: o.SMTPTLS}
	if o.SMTPHost == "" {
		return mc, nil
	}
	if o.SMTPFrom == "" {
		return mc, fail(1, "--smtp-host needs --smtp-from, the sender address of reminder emails")
	}
	if o.SMTPPasswordFile != "" {
		b, err := os.ReadFile(o.SMTPPasswordFile)
		if err != nil {
			return mc, fail(1, "--smtp-password-file: %v", err)
		}
		mc.Password = strings.TrimRight(string(b), "\r\n")
	}
	return mc, nil
}

func (o *privacyOptions) privacy(email bool, b backupConfig) web.Privacy {
	p := web.Privacy{Controller: o.Controller, AnswerDays: o.AnswerDays,
		DeactivatedMonths: o.DeactivatedMonths, AuditMonths: o.AuditMonths, Email: email}
	if b.Dir != "" {
		// "24h", "30m", "1h30m" rather than "24h0m0s".
		p.BackupKeep, p.BackupEvery = b.Keep, strings.TrimSuffix(strings.TrimSuffix(b.Every.String(), "0s"), "0m")
	}
	return p
}

func (o *privacyOptions) retention() store.Retention {
	return store.Retention{AnswerDays: o.AnswerDays, DeactivatedMonths: o.DeactivatedMonths, AuditMonths: o.AuditMonths}
}
