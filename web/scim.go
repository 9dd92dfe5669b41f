package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/internal/scim"
)

// SCIM 2.0 provisioning at /scim/v2 (internal/scim speaks the protocol,
// app.SCIM applies it to the accounts) and its bearer tokens, which admins
// create on /admin/scim or with POST /api/v1/admin/scim/tokens.

// scimRoot is where the SCIM server is mounted.
const scimRoot = "/scim/v2"

// scimServe hands a request to the SCIM handler: the path below the root
// and the query as the client sent them, still escaped.
func (s *server) scimServe(c *fiber.Ctx) error {
	if s.scim == nil {
		return s.scimError(c, fiber.StatusNotFound, "SCIM is not configured.")
	}
	uri := c.Request().URI()
	resp := s.scim.Serve(c.UserContext(), scim.Request{
		Method:        c.Method(),
		Path:          strings.TrimPrefix(string(uri.PathOriginal()), scimRoot),
		RawQuery:      string(uri.QueryString()),
		Authorization: c.Get(fiber.HeaderAuthorization),
		Body:          c.Body(),
	})
	for k, v := range resp.Header {
		c.Set(k, v)
	}
	return c.Status(resp.Status).Send(resp.Body)
}

// isSCIM reports whether the request is for the SCIM server, whose errors
// have SCIM's shape.
func isSCIM(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), scimRoot+"/") || c.Path() == scimRoot
}

// scimError answers an error on a SCIM path (a body over the limit, a
// timeout) with a SCIM error body.
func (s *server) scimError(c *fiber.Ctx, status int, detail string) error {
	b, _ := json.Marshal(&scim.Error{Status: status, Detail: detail})
	c.Set(fiber.HeaderContentType, scim.ContentType)
	return c.Status(status).Send(b)
}

// --- tokens ---

type scimTokenInput struct {
	Name string `json:"name" form:"name"`
}

func (s *server) apiCreateSCIMToken(c *fiber.Ctx) error {
	if s.scimUC == nil {
		return fiber.ErrNotFound
	}
	var in scimTokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, token, err := s.scimUC.CreateToken(c.UserContext(), *currentUser(c), in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id, "token": token})
}

func scimTokenID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "not_found", "No such SCIM token.")
	}
	return id, nil
}

func (s *server) apiRevokeSCIMToken(c *fiber.Ctx) error {
	if s.scimUC == nil {
		return fiber.ErrNotFound
	}
	id, err := scimTokenID(c)
	if err != nil {
		return err
	}
	if err := s.scimUC.RevokeToken(c.UserContext(), *currentUser(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// scimPage is what /admin/scim shows.
type scimPage struct {
	Tokens []scimTokenRow
	// NewToken is the token just created, shown once.
	NewToken string
	NewName  string
	URL      string
}

func (s *server) scimAdminPage(c *fiber.Ctx) error {
	if s.scimUC == nil {
		return fiber.ErrNotFound
	}
	return s.renderSCIMAdmin(c, fiber.StatusOK, scimPage{}, nil)
}

func (s *server) renderSCIMAdmin(c *fiber.Ctx, status int, p scimPage, f *form) error {
	list, err := s.scimUC.Tokens(c.UserContext())
	if err != nil {
		return err
	}
	for _, t := range list {
		r := scimTokenRow{SCIMToken: t, Created: unixDate(t.CreatedAt)}
		if t.RevokedAt > 0 {
			r.Revoked = unixDate(t.RevokedAt)
		}
		p.Tokens = append(p.Tokens, r)
	}
	p.URL = strings.TrimRight(s.cfg.BaseURL.String(), "/") + scimRoot
	return s.render(c, status, "admin_scim", "scim.title", f, p)
}

func (s *server) createSCIMTokenForm(c *fiber.Ctx) error {
	if s.scimUC == nil {
		return fiber.ErrNotFound
	}
	name := c.FormValue("name")
	_, token, err := s.scimUC.CreateToken(c.UserContext(), *currentUser(c), name)
	if err != nil {
		f, err := formErrors(err, map[string]string{"name": name})
		if err != nil {
			return err
		}
		return s.renderSCIMAdmin(c, fiber.StatusBadRequest, scimPage{}, f)
	}
	// The token is in this one answer only; it must not be cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.renderSCIMAdmin(c, fiber.StatusCreated, scimPage{NewToken: token, NewName: name}, nil)
}

func (s *server) revokeSCIMTokenForm(c *fiber.Ctx) error {
	if s.scimUC == nil {
		return fiber.ErrNotFound
	}
	id, err := scimTokenID(c)
	if err != nil {
		return err
	}
	if !confirmed(c) {
		return s.renderSCIMAdmin(c, fiber.StatusBadRequest, scimPage{}, notConfirmed())
	}
	if err := s.scimUC.RevokeToken(c.UserContext(), *currentUser(c), id); err != nil {
		return err
	}
	s.setFlash(c, flash("flash.scim_token_revoked"))
	return c.Redirect("/admin/scim", fiber.StatusSeeOther)
}

// scimTokenRow is a token in the list, with its dates formatted.
type scimTokenRow struct {
	app.SCIMToken
	Created, Revoked string
}

// unixDate formats Unix seconds for the token list.
func unixDate(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02 15:04") }
