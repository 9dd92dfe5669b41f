package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"kipass/certificates"
)

// verifyResult is what `kipass verify` reports; --json prints it as is.
type verifyResult struct {
	Valid       bool     `json:"valid"`
	Status      string   `json:"status"` // valid, expired, revoked, invalid
	Reason      string   `json:"reason,omitempty"`
	ID          string   `json:"id,omitempty"`
	HolderName  string   `json:"holder_name,omitempty"`
	CourseTitle string   `json:"course_title,omitempty"`
	Issuer      string   `json:"issuer,omitempty"`
	IssuerName  string   `json:"issuer_name,omitempty"`
	IssuedAt    string   `json:"issued_at,omitempty"`
	ExpiresAt   string   `json:"expires_at,omitempty"`
	Checked     []string `json:"checked"`
}

// verifyEnv is how `kipass verify` reaches the network; tests swap nothing:
// they run a real server on loopback.
type verifyEnv struct {
	client *http.Client
	now    time.Time
}

func cmdVerify(ctx context.Context, args []string, e env) error {
	fs := newFlags("verify", e)
	jwksSrc := fs.String("jwks", "", "issuer keys: a JWKS `file or URL` (default: fetched from the credential's issuer)")
	offline := fs.Bool("offline", false, "no network: needs --jwks FILE; revocation is not checked")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: kipass verify FILE.pdf|TOKEN|FILE.jwt [--jwks FILE|URL] [--offline] [--json]")
		fmt.Fprintln(e.stderr, "\nVerifies a kipass certificate: the PDF signature and embedded credential, or a credential (JWT):")
		fmt.Fprintln(e.stderr, "signature, issuer key, expiry and (unless --offline) revocation. Exit 0 valid, 1 not valid, 2 usage or I/O error.")
		fs.PrintDefaults()
	}
	// Flags may follow the argument.
	positional, err := parseInterleaved(fs, args, e)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fail(2, "give exactly one PDF file, credential file or token")
	}
	if *offline && *jwksSrc == "" {
		return fail(2, "--offline needs --jwks FILE with the issuer's keys")
	}
	if *offline && isURL(*jwksSrc) {
		return fail(2, "--offline needs --jwks as a file, not a URL")
	}
	ve := verifyEnv{client: &http.Client{Timeout: 15 * time.Second}, now: time.Now()}
	res, err := ve.verify(ctx, positional[0], *jwksSrc, *offline)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(e.stdout, string(b))
	} else {
		printVerify(e.stdout, res, *offline)
	}
	if !res.Valid {
		return errSilent
	}
	return nil
}

func (ve verifyEnv) verify(ctx context.Context, arg, jwksSrc string, offline bool) (verifyResult, error) {
	res := verifyResult{Status: "invalid", Checked: []string{}}
	token := strings.TrimSpace(arg)
	var pdfCheck *certificates.PDFCheck
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		if st.Size() > certificates.MaxPDFSize {
			return res, fail(2, "%s is larger than 5 MiB", arg)
		}
		b, err := os.ReadFile(arg)
		if err != nil {
			return res, fail(2, "cannot read %s: %v", arg, err)
		}
		if strings.HasPrefix(string(b), "%PDF") {
			pdfCheck, err = certificates.CheckPDF(b)
			switch {
			case errors.Is(err, certificates.ErrNoCredential):
				res.Reason = "the PDF carries no kipass credential"
				return res, nil
			case err != nil:
				res.Reason = "not a readable PDF: " + err.Error()
				return res, nil
			case !pdfCheck.SignatureValid:
				res.Reason = "the PDF signature is invalid: the file was changed after signing"
				return res, nil
			}
			res.Checked = append(res.Checked, "PDF signature intact")
			token = pdfCheck.Credential
		} else {
			token = strings.TrimSpace(string(b))
		}
	}
	iss, err := peekIssuer(token)
	if err != nil {
		res.Reason = "not a credential: " + err.Error()
		return res, nil
	}
	keys, err := ve.loadKeys(ctx, jwksSrc, iss)
	if err != nil {
		return res, fail(2, "issuer keys: %v", err)
	}
	lookup := func(kid string) (*ecdsa.PublicKey, bool) { k, ok := keys[kid]; return k, ok }
	if pdfCheck != nil {
		if pdfCheck.SignerKey == nil {
			res.Reason = "the PDF signature carries no key"
			return res, nil
		}
		if _, ok := lookup(certificates.Thumbprint(pdfCheck.SignerKey)); !ok {
			res.Reason = "the PDF was not signed with one of the issuer's keys"
			return res, nil
		}
		res.Checked = append(res.Checked, "PDF signed with the issuer's key")
	}
	cred, err := certificates.VerifyCredential(token, lookup, ve.now)
	expired := errors.Is(err, certificates.ErrExpired)
	if err != nil && !expired {
		res.Reason = "credential not valid: " + err.Error()
		return res, nil
	}
	res.Checked = append(res.Checked, "credential signature (ES256) by the issuer's key "+cred.Kid)
	res.ID, res.HolderName, res.Issuer, res.IssuerName = cred.ID, cred.HolderName, cred.Issuer, cred.IssuerName
	res.CourseTitle = cred.CourseTitle
	res.IssuedAt, res.ExpiresAt = cred.IssuedAt.UTC().Format(time.RFC3339), cred.ExpiresAt.UTC().Format(time.RFC3339)
	if expired {
		res.Status, res.Reason = "expired", "the certificate expired on "+cred.ExpiresAt.UTC().Format("2006-01-02")
		return res, nil
	}
	res.Checked = append(res.Checked, "not expired")
	if !offline {
		revoked, err := ve.revoked(ctx, cred, lookup)
		if err != nil {
			return res, fail(2, "status list: %v", err)
		}
		if revoked {
			res.Status, res.Reason = "revoked", "the issuer has revoked this certificate"
			return res, nil
		}
		res.Checked = append(res.Checked, "not revoked (status list)")
	}
	res.Valid, res.Status = true, "valid"
	return res, nil
}

// loadKeys reads the issuer's JWKS from a file or URL, or from the issuer.
func (ve verifyEnv) loadKeys(ctx context.Context, src, iss string) (map[string]*ecdsa.PublicKey, error) {
	var b []byte
	var err error
	switch {
	case src == "":
		if !isURL(iss) {
			return nil, fmt.Errorf("the credential's issuer %q is not a URL; give --jwks", iss)
		}
		b, err = ve.fetch(ctx, strings.TrimRight(iss, "/")+"/.well-known/jwks.json")
	case isURL(src):
		b, err = ve.fetch(ctx, src)
	default:
		b, err = os.ReadFile(src)
	}
	if err != nil {
		return nil, err
	}
	return certificates.ParseJWKS(b)
}

func (ve verifyEnv) revoked(ctx context.Context, cred *certificates.Credential, keys func(string) (*ecdsa.PublicKey, bool)) (bool, error) {
	if !isURL(cred.StatusListURL) {
		return false, fmt.Errorf("the credential names no status list")
	}
	b, err := ve.fetch(ctx, cred.StatusListURL)
	if err != nil {
		return false, err
	}
	list, err := certificates.VerifyStatusList(strings.TrimSpace(string(b)), keys, ve.now)
	if err != nil {
		return false, err
	}
	return certificates.Bit(list, cred.StatusIndex), nil
}

func (ve verifyEnv) fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := ve.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, 4<<20))
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

// peekIssuer reads the iss claim without verifying, to find the issuer's keys.
func peekIssuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 64<<10 {
		return "", fmt.Errorf("expected a compact JWS (three parts)")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("payload is not base64url")
	}
	var claims struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		return "", fmt.Errorf("payload is not JSON")
	}
	return claims.Iss, nil
}

func printVerify(w io.Writer, r verifyResult, offline bool) {
	if r.Valid {
		fmt.Fprintf(w, "VALID: certificate %s\n", r.ID)
	} else {
		fmt.Fprintf(w, "NOT VALID (%s): %s\n", r.Status, r.Reason)
	}
	if r.ID != "" {
		fmt.Fprintf(w, "  holder:      %s\n  course:      %s\n  issued:      %s\n  valid until: %s\n  issuer:      %s (%s)\n",
			r.HolderName, r.CourseTitle, r.IssuedAt, r.ExpiresAt, r.IssuerName, r.Issuer)
	}
	for _, c := range r.Checked {
		fmt.Fprintf(w, "  checked: %s\n", c)
	}
	if offline && r.Valid {
		fmt.Fprintln(w, "  not checked: revocation (offline)")
	}
}
