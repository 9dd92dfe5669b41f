package mail

import (
	"context"
	"log/slog"
)

// LogSender is the Sender used when no SMTP server is configured: it checks
// each message like the SMTP sender does and logs one line, "would send
// email", with only the message's kind and language. The address, the
// subject and the body are never logged.
type LogSender struct {
	log *slog.Logger
}

// NewLogSender returns a LogSender logging to log (nil: discard).
func NewLogSender(log *slog.Logger) *LogSender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LogSender{log: log}
}

// Send validates m and logs that it would be sent.
func (s *LogSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := validate(m); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "would send email",
		slog.String("kind", logKind(m.Kind)), slog.String("lang", logLang(m.Lang)))
	return nil
}

// logLang returns lang if it is a plain language tag, else "" (so that a
// field filled by mistake cannot leak into the log).
func logLang(lang string) string {
	if validLangTag(lang) {
		return lang
	}
	return ""
}

// logKind returns kind if it is a short snake_case word, else "other".
func logKind(kind string) string {
	if kind == "" || len(kind) > 40 {
		return "other"
	}
	for _, r := range kind {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return "other"
		}
	}
	return kind
}
