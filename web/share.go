package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/errs"
)

// shareMeta is the sharing preview of a verify page: Open Graph and
// Twitter card tags, and the link to the credential itself. It says what
// the page shows (holder name, course, issuer, dates, status) and nothing
// else; the image is the same picture of a certificate for everyone.
type shareMeta struct {
	Title, Description, URL string
	Image, ImageAlt         string
	SiteName                string
	CredentialURL           string // "" when the credential is not public (see publicCredential)
}

// shareTemplate renders shareMeta; html/template escapes every value for
// its attribute.
var shareTemplate = template.Must(template.New("share").Parse(`
<meta name="description" content="{{.Description}}">
<link rel="canonical" href="{{.URL}}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="{{.SiteName}}">
<meta property="og:title" content="{{.Title}}">
<meta property="og:description" content="{{.Description}}">
<meta property="og:url" content="{{.URL}}">
<meta property="og:image" content="{{.Image}}">
<meta property="og:image:type" content="image/png">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta property="og:image:alt" content="{{.ImageAlt}}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{{.Title}}">
<meta name="twitter:description" content="{{.Description}}">
<meta name="twitter:image" content="{{.Image}}">
<meta name="twitter:image:alt" content="{{.ImageAlt}}">
{{with .CredentialURL}}<link rel="alternate" type="application/vc+jwt" href="{{.}}">{{end}}`))

// setShareMeta puts the sharing preview of a verification into the page's
// head. Unknown certificates get none.
func (s *server) setShareMeta(c *fiber.Ctx, v verification, lang string) error {
	if v.IssuedAt == "" || v.ID == "" {
		return nil
	}
	date := func(ts string) string {
		t, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return ts
		}
		return t.Format("2006-01-02")
	}
	title := fmt.Sprintf(s.views.t(lang, "share.title_anonymous"), v.CourseTitle)
	if v.HolderName != "" {
		title = fmt.Sprintf(s.views.t(lang, "share.title"), v.CourseTitle, v.HolderName)
	}
	base := s.signer.Issuer.URL
	m := shareMeta{
		Title: title,
		Description: fmt.Sprintf(s.views.t(lang, "share.description"), v.Issuer, date(v.IssuedAt), date(v.ExpiresAt)) + " " +
			s.views.t(lang, "status."+v.Status) + ".",
		URL:      certificates.VerifyURL(base, v.ID),
		Image:    s.certificateImageURL(),
		ImageAlt: s.views.t(lang, "share.image_alt"),
		SiteName: v.Issuer,
	}
	if v.HolderName != "" {
		m.CredentialURL = m.URL + ".jwt"
	}
	var b bytes.Buffer
	if err := shareTemplate.Execute(&b, m); err != nil {
		return err
	}
	c.Locals(localHeadMeta, template.HTML(b.String()))
	return nil
}

// publicCredential serves /verify/{id}.jwt: the certificate's credential,
// which the verify page links as its application/vc+jwt alternate. It
// states what the page shows, so it is public exactly as long as the page
// shows the holder's name: a certificate whose holder erased the account
// and withdrew it answers 404.
func (s *server) publicCredential(c *fiber.Ctx) error {
	id := c.Params("id")
	if !certIDPattern.MatchString(id) {
		return documentNotFound(c, "certificate")
	}
	rec, err := s.app.CertificateByID(c.UserContext(), id)
	if errs.KindOf(err) == errs.NotFound || err == nil && withdrawn(rec) {
		return documentNotFound(c, "certificate")
	}
	if err != nil {
		return err
	}
	token, err := certificates.IssueCredential(s.views.messages, s.certificateFor(rec), s.issuer(c.UserContext()), s.signer.Keys().Current())
	if err != nil {
		return err
	}
	// Short: the token is signed afresh, and a withdrawal must end its
	// publication soon.
	publicDocument(c, "application/vc+jwt", "public, max-age=300")
	return c.SendString(token)
}

// withdrawn reports whether the holder erased the account and withdrew the
// certificate: its name is no longer served.
func withdrawn(rec app.Certificate) bool { return rec.Revoked() && rec.UserID == 0 }

// linkedInURL is LinkedIn's "add certification" link, filled in. With the
// organisation's LinkedIn id (--linkedin-organization-id) the
// certification links to its company page; otherwise only its name is
// given.
func linkedInURL(name, org, orgID string, issued, expires time.Time, id, verify string) string {
	q := url.Values{}
	q.Set("startTask", "CERTIFICATION_NAME")
	q.Set("name", name)
	if orgID != "" {
		q.Set("organizationId", orgID)
	} else {
		q.Set("organizationName", org)
	}
	q.Set("issueYear", fmt.Sprint(issued.Year()))
	q.Set("issueMonth", fmt.Sprint(int(issued.Month())))
	q.Set("expirationYear", fmt.Sprint(expires.Year()))
	q.Set("expirationMonth", fmt.Sprint(int(expires.Month())))
	q.Set("certId", id)
	q.Set("certUrl", verify)
	return "https://www.linkedin.com/profile/add?" + q.Encode()
}
