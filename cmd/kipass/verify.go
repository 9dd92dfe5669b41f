package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"kipass/certificates"
)

// verifyResult is what `kipass verify` reports; --json prints it as is.
type verifyResult struct {
	Valid       bool     `json:"valid"`
	Status      string   `json:"status"` // valid, expired, revoked, invalid, untrusted_issuer
	Reason      string   `json:"reason,omitempty"`
	ID          string   `json:"id,omitempty"`
	HolderName  string   `json:"holder_name,omitempty"`
	CourseTitle string   `json:"course_title,omitempty"`
	Issuer      string   `json:"issuer,omitempty"`      // for untrusted_issuer: the issuer the credential claims
	IssuerName  string   `json:"issuer_name,omitempty"` // likewise
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

// trustAnchors are what the user told kipass verify to trust: issuers by
// base URL (their keys and status lists are fetched from there), and/or a
// JWKS whose keys are trusted whoever the credential names.
type trustAnchors struct {
	issuers []string
	jwksSrc string
}

func (t trustAnchors) none() bool { return len(t.issuers) == 0 && t.jwksSrc == "" }

// issuerList is the repeatable --issuer flag; a value may also be a
// comma-separated list (as in KIPASS_VERIFY_ISSUERS).
type issuerList []string

func (l *issuerList) String() string { return strings.Join(*l, ",") }

func (l *issuerList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = certificates.NormalizeIssuerID(s); s == "" {
			continue
		}
		if err := certificates.CheckIssuerID(s); err != nil {
			return err
		}
		if !slices.Contains(*l, s) {
			*l = append(*l, s)
		}
	}
	return nil
}

func cmdVerify(ctx context.Context, args []string, e env) error {
	fs := newFlags("verify", e)
	var issuers issuerList
	fs.Var(&issuers, "issuer", "trust the issuer at this base `URL` (https; repeatable; also KIPASS_VERIFY_ISSUERS, comma-separated)")
	jwksSrc := fs.String("jwks", "", "trust the keys in this JWKS `file or URL` (whatever issuer the credential names)")
	offline := fs.Bool("offline", false, "no network: needs --jwks FILE; revocation is not checked")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: kipass verify FILE.pdf|TOKEN|FILE.jwt --issuer URL [--issuer URL ...] | --jwks FILE|URL [--offline] [--json]")
		fmt.Fprintln(e.stderr, "\nVerifies a kipass certificate: the PDF signature and embedded credential, or a credential (JWT):")
		fmt.Fprintln(e.stderr, "signature, issuer key, expiry and (unless --offline) revocation. Only issuers you name with --issuer")
		fmt.Fprintln(e.stderr, "(or keys you give with --jwks) are trusted; anything else is not valid (status untrusted_issuer).")
		fmt.Fprintln(e.stderr, "Exit 0 valid, 1 not valid, 2 usage or I/O error.")
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
	if len(issuers) == 0 {
		if v := e.getenv("KIPASS_VERIFY_ISSUERS"); v != "" {
			if err := issuers.Set(v); err != nil {
				return fail(2, "KIPASS_VERIFY_ISSUERS: %v", err)
			}
		}
	}
	if *offline && *jwksSrc == "" {
		return fail(2, "--offline needs --jwks FILE with the issuer's keys")
	}
	if *offline && isURL(*jwksSrc) {
		return fail(2, "--offline needs --jwks as a file, not a URL")
	}
	ve := verifyEnv{client: &http.Client{Timeout: 15 * time.Second}, now: time.Now()}
	res, err := ve.verify(ctx, positional[0], trustAnchors{issuers: issuers, jwksSrc: *jwksSrc}, *offline)
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

// untrustedReason is the answer for a credential whose issuer was not
// named as a trust anchor.
func untrustedReason(signatureChecked bool, name, url string) string {
	s := fmt.Sprintf("the issuer is not one you trust: it claims to be %s at %s; run again with --issuer %s if you trust it", name, url, url)
	if signatureChecked {
		return "signature checks out, but " + s
	}
	return s
}

func (ve verifyEnv) verify(ctx context.Context, arg string, anchors trustAnchors, offline bool) (verifyResult, error) {
	res := verifyResult{Status: "invalid", Checked: []string{}}
	token := strings.TrimSpace(arg)

	// Keys given with --jwks are known before anything is read.
	var anchorKeys map[string]*ecdsa.PublicKey
	if anchors.jwksSrc != "" {
		var err error
		if anchorKeys, err = ve.loadJWKS(ctx, anchors.jwksSrc); err != nil {
			return res, fail(2, "issuer keys: %v", err)
		}
	}

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
			// The signer's certificate must name no issuer id that
			// could mislead; with --jwks its key must be one of them
			// (otherwise it is compared with the issuer's keys below,
			// once the credential says who the issuer is).
			trust := func(key *ecdsa.PublicKey, cert *x509.Certificate) error {
				for _, u := range cert.URIs {
					if err := certificates.CheckIssuerID(u.String()); err != nil {
						return fmt.Errorf("the PDF signer's certificate names an issuer id that is refused: %w", err)
					}
				}
				if anchorKeys != nil && anchorKeys[certificates.Thumbprint(key)] == nil {
					return errors.New("the PDF was not signed with a key from --jwks")
				}
				return nil
			}
			pdfCheck, err = certificates.CheckPDF(b, trust)
			switch {
			case errors.Is(err, certificates.ErrNoCredential):
				res.Reason = "the PDF carries no kipass credential"
				return res, nil
			case errors.Is(err, certificates.ErrPDFNotSigned):
				res.Reason = "the PDF is not signed"
				return res, nil
			case errors.Is(err, certificates.ErrPDFSignature):
				res.Reason = "the PDF signature is invalid: the file was changed after signing"
				return res, nil
			case errors.Is(err, certificates.ErrIssuerID):
				res.Reason = strings.TrimPrefix(err.Error(), certificates.ErrPDFUntrusted.Error()+": ")
				return res, nil
			case errors.Is(err, certificates.ErrPDFUntrusted):
				res.Status = "untrusted_issuer"
				res.Reason = strings.TrimPrefix(err.Error(), certificates.ErrPDFUntrusted.Error()+": ")
				return res, nil
			case err != nil:
				res.Reason = "not a readable PDF: " + err.Error()
				return res, nil
			}
			res.Checked = append(res.Checked, "PDF signature intact")
			token = pdfCheck.Credential
		} else {
			token = strings.TrimSpace(string(b))
		}
	}
	claim, err := peekIssuer(token)
	if err != nil {
		res.Reason = "not a credential: " + err.Error()
		return res, nil
	}
	// An issuer id with user info, a query or a fragment (or plain http
	// to another host) is refused before it is shown or fetched from.
	if err := certificates.CheckIssuerID(claim.Iss); err != nil {
		res.Reason = "the credential's issuer is refused: " + err.Error()
		return res, nil
	}
	iss := certificates.NormalizeIssuerID(claim.Iss)
	trusted := anchorKeys != nil || slices.Contains(anchors.issuers, iss)
	var keys map[string]*ecdsa.PublicKey
	switch {
	case anchorKeys != nil:
		keys = anchorKeys
	case trusted || anchors.none():
		// Without any anchor the claimed issuer's keys are fetched only
		// to say whether the signature checks out; the result is not
		// valid either way, and no status list is fetched.
		if keys, err = ve.loadJWKS(ctx, iss+"/.well-known/jwks.json"); err != nil {
			return res, fail(2, "issuer keys: %v", err)
		}
	default:
		res.Status, res.Issuer, res.IssuerName = "untrusted_issuer", claim.Iss, claim.Name
		res.Reason = untrustedReason(false, claim.Name, claim.Iss)
		return res, nil
	}
	lookup := func(kid string) (*ecdsa.PublicKey, bool) { k, ok := keys[kid]; return k, ok }
	if pdfCheck != nil {
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
	if !trusted {
		res.Status, res.Issuer, res.IssuerName = "untrusted_issuer", cred.Issuer, cred.IssuerName
		res.Reason = untrustedReason(true, cred.IssuerName, cred.Issuer)
		return res, nil
	}
	if anchorKeys != nil {
		res.Checked = append(res.Checked, "issuer's key given with --jwks")
	} else {
		res.Checked = append(res.Checked, "issuer trusted (--issuer)")
	}
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

// loadJWKS reads a JWKS from a file or URL.
func (ve verifyEnv) loadJWKS(ctx context.Context, src string) (map[string]*ecdsa.PublicKey, error) {
	var b []byte
	var err error
	if isURL(src) {
		b, err = ve.fetch(ctx, src)
	} else {
		b, err = os.ReadFile(src)
	}
	if err != nil {
		return nil, err
	}
	return certificates.ParseJWKS(b)
}

// revoked fetches the status list. VerifyCredential has made sure that
// the credential's status list is its issuer's own (base URL + /status/1),
// and the caller that the issuer is trusted.
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

// issuerClaim is what an unverified credential says about its issuer.
type issuerClaim struct {
	Iss  string
	Name string
}

// peekIssuer reads iss and the issuer's name without verifying, to decide
// whom to ask for keys, and to name an untrusted issuer.
func peekIssuer(token string) (issuerClaim, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 64<<10 {
		return issuerClaim{}, fmt.Errorf("expected a compact JWS (three parts)")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return issuerClaim{}, fmt.Errorf("payload is not base64url")
	}
	var claims struct {
		Iss string `json:"iss"`
		VC  struct {
			Issuer struct {
				Name string `json:"name"`
			} `json:"issuer"`
		} `json:"vc"`
		Issuer json.RawMessage `json:"issuer"`
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		return issuerClaim{}, fmt.Errorf("payload is not JSON")
	}
	c := issuerClaim{Iss: claims.Iss, Name: claims.VC.Issuer.Name}
	// A credential whose payload is the credential itself names its
	// issuer at the top level.
	var top struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if json.Unmarshal(claims.Issuer, &top) == nil {
		c.Name = cmpOr(c.Name, top.Name)
		c.Iss = cmpOr(c.Iss, top.ID)
	}
	return c, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
