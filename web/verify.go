package web

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/errs"
)

// MaxUpload is the largest PDF accepted for verification.
const MaxUpload = 5 << 20

// verification is the answer to "is this certificate genuine?". Nothing
// about who asked is stored; uploaded files and tokens are checked in memory
// and forgotten.
type verification struct {
	ID          string  `json:"id,omitempty"`
	Status      string  `json:"status"`              // valid, expired, revoked or unknown
	Signature   string  `json:"signature,omitempty"` // valid or invalid, for tokens and PDFs
	Reason      string  `json:"reason,omitempty"`    // why it is not valid, a code
	HolderName  string  `json:"holder_name,omitempty"`
	CourseTitle string  `json:"course_title,omitempty"`
	IssuedAt    string  `json:"issued_at,omitempty"`
	ExpiresAt   string  `json:"expires_at,omitempty"`
	Issuer      string  `json:"issuer,omitempty"`
	IssuerLogo  string  `json:"-"` // the organisation's logo, for the page
	Checks      []check `json:"checks"`
	// unsigned marks a PDF without any signature (an ordinary PDF, not
	// an altered certificate); claimed is the id an altered certificate
	// claims. Both only shape the page's verdict.
	unsigned bool
	claimed  string
}

// check is one thing that was checked.
type check struct {
	Name string `json:"name"` // record, pdf_signature, pdf_signer, credential_signature, issuer, expiry, revocation
	OK   bool   `json:"ok"`
}

func (v *verification) add(name string, ok bool) { v.Checks = append(v.Checks, check{name, ok}) }

// fromRecord fills in what the issuer's record says. A certificate whose
// holder erased the account and withdrew it shows no name.
func (s *server) fromRecord(ctx context.Context, v *verification, rec app.Certificate, lang string) {
	now := s.now()
	v.ID = rec.ID
	v.Status = certStatus(rec, now)
	cert := s.certificateFor(rec)
	if !withdrawn(rec) {
		v.HolderName = rec.HolderName
	}
	v.CourseTitle = cert.CourseTitle[lang]
	v.IssuedAt, v.ExpiresAt = rfc3339(rec.IssuedAt), rfc3339(rec.ExpiresAt)
	o := s.organisation(ctx)
	v.Issuer = o.IssuerName(s.signer.Issuer.URL) // as s.issuer
	if o.LogoVersion != "" {
		v.IssuerLogo = logoPath + "?v=" + o.LogoVersion
	}
	v.add("expiry", now.Before(rec.ExpiresAt))
	v.add("revocation", !rec.Revoked())
	switch v.Status {
	case "expired", "revoked":
		v.Reason = v.Status
	}
}

// verifyID looks a certificate up by its id.
func (s *server) verifyID(c *fiber.Ctx, id, lang string) (verification, error) {
	v := verification{Status: "unknown", Checks: []check{}}
	if !certIDPattern.MatchString(id) {
		v.Reason = "unknown"
		v.add("record", false)
		return v, nil
	}
	return s.withRecord(c, v, id, lang)
}

// withRecord completes a verification with the issuer's record of id.
func (s *server) withRecord(c *fiber.Ctx, v verification, id, lang string) (verification, error) {
	rec, err := s.app.CertificateByID(c.UserContext(), id)
	if errs.KindOf(err) == errs.NotFound {
		v.Reason = "unknown"
		v.add("record", false)
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.add("record", true)
	s.fromRecord(c.UserContext(), &v, rec, lang)
	return v, nil
}

// verifyToken checks a credential: ES256 signature by one of our keys, the
// issuer, expiry, and revocation.
func (s *server) verifyToken(c *fiber.Ctx, token, lang string, v verification) (verification, error) {
	if v.Checks == nil {
		v.Checks = []check{}
	}
	v.Status = "unknown"
	token = strings.TrimSpace(token)
	cred, err := certificates.VerifyCredential(token, s.signer.lookup, s.now())
	expired := errors.Is(err, certificates.ErrExpired)
	if err != nil && !expired {
		v.Signature = "invalid"
		v.add("credential_signature", false)
		switch {
		case errors.Is(err, certificates.ErrUnknownKey):
			v.Reason = "unknown_key"
		case errors.Is(err, certificates.ErrBadSignature), errors.Is(err, certificates.ErrAlgorithm):
			v.Reason = "signature_invalid"
		case errors.Is(err, certificates.ErrNotYetValid):
			v.Reason = "not_yet_valid"
		default:
			v.Reason = "malformed_token"
		}
		v.claimed = claimedID(token)
		return v, nil
	}
	v.add("credential_signature", true)
	if cred.Issuer != s.signer.Issuer.URL {
		v.Signature, v.Reason = "invalid", "issuer_mismatch"
		v.add("issuer", false)
		return v, nil
	}
	v.Signature = "valid"
	v.add("issuer", true)
	return s.withRecord(c, v, cred.ID, lang)
}

// verifyPDF checks an uploaded PDF: the cheap checks first (its signature
// covers the whole file and was made by one of our keys), only then its
// structure and the embedded credential. A PDF not signed by this issuer
// is answered from one pass over its bytes (certificates.CheckPDF).
func (s *server) verifyPDF(c *fiber.Ctx, pdf []byte, lang string) (verification, error) {
	v := verification{Status: "unknown", Signature: "invalid", Checks: []check{}}
	chk, err := certificates.CheckPDF(pdf, certificates.TrustKeys(s.signer.lookup))
	switch {
	case errors.Is(err, certificates.ErrTooLarge):
		return v, errs.New(errs.TooLarge, "too_large", "The file is larger than 5 MiB.")
	case errors.Is(err, certificates.ErrNotPDF):
		v.Reason = "not_a_pdf"
		return v, nil
	case errors.Is(err, certificates.ErrPDFNotSigned), errors.Is(err, certificates.ErrPDFSignature):
		v.Reason = "pdf_signature_invalid"
		v.add("pdf_signature", false)
		if v.unsigned = errors.Is(err, certificates.ErrPDFNotSigned); !v.unsigned {
			v.claimed = claimedPDFID(pdf)
		}
		return v, nil
	case errors.Is(err, certificates.ErrPDFUntrusted):
		// Not a certificate of this issuer.
		v.Reason = "pdf_signer_unknown"
		v.add("pdf_signature", true)
		v.add("pdf_signer", false)
		return v, nil
	}
	v.add("pdf_signature", true)
	v.add("pdf_signer", true)
	switch {
	case errors.Is(err, certificates.ErrNoCredential):
		v.Reason = "no_credential"
		return v, nil
	case err != nil:
		v.Reason = "malformed_pdf"
		return v, nil
	}
	return s.verifyToken(c, chk.Credential, lang, v)
}

// verifyGate keeps public verification cheap for everyone: each client
// address may send VerifyLimit uploads or tokens a minute (the login
// throttle's mechanism), and at most VerifyConcurrency PDFs are checked at
// once; a PDF that finds every slot taken waits briefly, then gets 503
// busy with Retry-After.
type verifyGate struct {
	perAddress *addressThrottle
	slots      chan struct{}
	wait       time.Duration
}

func newVerifyGate(cfg Config, now func() time.Time) verifyGate {
	return verifyGate{
		perAddress: newAddressThrottle(cfg.VerifyLimit, time.Minute, now),
		slots:      make(chan struct{}, cfg.VerifyConcurrency),
		wait:       cfg.VerifyQueueWait,
	}
}

// verifyRetryAfter is what a busy answer tells the client to wait, in seconds.
const verifyRetryAfter = "5"

// errVerifyBusy and errVerifyThrottled are the gate's refusals.
var (
	errVerifyBusy      = errs.New(errs.Throttled, "busy", "Too many certificates are being checked right now. Please try again in a few seconds.")
	errVerifyThrottled = errs.New(errs.Throttled, "too_many_requests", "Too many verifications from your network. Please wait a minute.")
)

// admit counts one verification request from the caller's address.
func (s *server) admitVerify(c *fiber.Ctx) error {
	addr := s.clientAddr(c)
	if s.verifyGate.perAddress.blocked(addr) {
		return errVerifyThrottled
	}
	// "fail" counts one event in the address's window; for /verify every
	// request counts, not only failures.
	s.verifyGate.perAddress.fail(addr)
	return nil
}

// withPDFSlot runs f in one of the verification slots, or answers busy.
func (s *server) withPDFSlot(c *fiber.Ctx, f func() error) error {
	select {
	case s.verifyGate.slots <- struct{}{}:
	default:
		t := time.NewTimer(s.verifyGate.wait)
		defer t.Stop()
		select {
		case s.verifyGate.slots <- struct{}{}:
		case <-t.C:
			return errVerifyBusy
		case <-c.UserContext().Done():
			return errVerifyBusy
		}
	}
	defer func() { <-s.verifyGate.slots }()
	return f()
}

// refuseVerify answers a gate refusal: the contract's error JSON on the
// API, the form again with a message on the page. A busy answer is 503
// with Retry-After; a throttled one 429.
func (s *server) refuseVerify(c *fiber.Ctx, err error) error {
	e := errs.As(err)
	if e == nil || (e != errVerifyBusy && e != errVerifyThrottled) {
		return err
	}
	status, retry, msg := fiber.StatusTooManyRequests, "60", "verify.throttled"
	if e == errVerifyBusy {
		status, retry, msg = fiber.StatusServiceUnavailable, verifyRetryAfter, "verify.busy"
	}
	c.Set(fiber.HeaderRetryAfter, retry)
	if isAPI(c) {
		return c.Status(status).JSON(apiError{apiErrorBody{Code: e.Code, Message: e.Message}})
	}
	return s.render(c, status, "verify", "verify.title", &form{Message: msg}, nil)
}

// --- API ---

func (s *server) apiVerifyID(c *fiber.Ctx) error {
	v, err := s.verifyID(c, c.Params("id"), apiLang(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *server) apiVerify(c *fiber.Ctx) error {
	if err := s.admitVerify(c); err != nil {
		return s.refuseVerify(c, err)
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	var v verification
	var err error
	switch {
	case strings.HasPrefix(ct, "application/pdf"):
		err = s.withPDFSlot(c, func() (err error) {
			// The request's own buffer, not c.Body(): with Immutable that
			// is a copy, 4 MB more per upload in flight. The bytes are
			// not kept beyond this call.
			v, err = s.verifyPDF(c, c.Request().Body(), apiLang(c))
			return err
		})
		if err != nil {
			return s.refuseVerify(c, err)
		}
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		var body struct {
			Token string `json:"token"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		if body.Token == "" {
			return errs.Field("token", "required")
		}
		v, err = s.verifyToken(c, body.Token, apiLang(c), verification{})
	default:
		return &errs.Error{Kind: errs.Invalid, Code: "unsupported_media_type", Message: "Send the PDF as application/pdf or {\"token\":...} as application/json."}
	}
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// --- pages ---

func (s *server) verifyPage(c *fiber.Ctx) error {
	if id := strings.TrimSpace(c.Query("id")); id != "" {
		// The id may be pasted as the whole verify URL.
		if i := strings.LastIndex(id, "/verify/"); i >= 0 {
			id = id[i+len("/verify/"):]
		}
		return c.Redirect("/verify/"+urlPathEscape(id), fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "verify", "verify.title", nil, nil)
}

func (s *server) verifyIDPage(c *fiber.Ctx) error {
	v, err := s.verifyID(c, c.Params("id"), langOf(c))
	if err != nil {
		return err
	}
	if err := s.setShareMeta(c, v, langOf(c)); err != nil {
		return err
	}
	vv, err := s.withVerdict(c, v, false, "")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "verify_result", "verify.result_title", nil, vv)
}

// verifyForm checks an uploaded PDF or a pasted token.
func (s *server) verifyForm(c *fiber.Ctx) error {
	if err := s.admitVerify(c); err != nil {
		return s.refuseVerify(c, err)
	}
	lang := langOf(c)
	var v verification
	if fh, err := c.FormFile("pdf"); err == nil {
		if fh.Size > MaxUpload {
			return errs.New(errs.TooLarge, "too_large", "The file is larger than 5 MiB.")
		}
		f, err := fh.Open()
		if err != nil {
			return errs.New(errs.Invalid, "bad_upload", "The file could not be read.")
		}
		b, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
		f.Close()
		if err != nil {
			return errs.New(errs.Invalid, "bad_upload", "The file could not be read.")
		}
		err = s.withPDFSlot(c, func() (err error) {
			v, err = s.verifyPDF(c, b, lang)
			return err
		})
		if err != nil {
			return s.refuseVerify(c, err)
		}
	} else if token := c.FormValue("token"); strings.TrimSpace(token) != "" {
		if v, err = s.verifyToken(c, token, lang, verification{}); err != nil {
			return err
		}
	} else {
		return s.render(c, fiber.StatusBadRequest, "verify", "verify.title", &form{Message: "verify.nothing"}, nil)
	}
	vv, err := s.withVerdict(c, v, v.unsigned, v.claimed)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "verify_result", "verify.result_title", nil, vv)
}

// urlPathEscape keeps only characters that can be in a certificate id.
func urlPathEscape(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, s)
}
