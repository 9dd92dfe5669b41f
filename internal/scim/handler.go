package scim

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
)

// DefaultMaxBody is the default limit of a request body: a Group PATCH that adds
// thousands of members fits; anything larger is 413.
const DefaultMaxBody = 1 << 20

// Request is one SCIM request as the web layer hands it over.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the path below the SCIM root, such as "/Users/8f3a" (still escaped).
	Path string
	// RawQuery is the query string without "?".
	RawQuery string
	// Authorization is the request's Authorization header.
	Authorization string
	// Body is the request body; the web layer should stop reading after
	// Config.MaxBodyBytes+1 bytes.
	Body []byte
}

// Response is the answer to write back: status, headers and body.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Config configures a Handler.
type Config struct {
	// Service carries out the requests.
	Service Service
	// Authenticate checks a bearer token and returns the SCIM client's id (for the
	// audit log); ok false answers 401. kipass compares the token's SHA-256 with the
	// stored hashes of tokens that are not revoked.
	Authenticate func(ctx context.Context, token string) (clientID string, ok bool)
	// BaseURL is the absolute URL of the SCIM root, such as
	// "https://kipass.example/scim/v2", for meta.location and $ref.
	BaseURL string
	// MaxBodyBytes bounds request bodies (default DefaultMaxBody).
	MaxBodyBytes int
	// MaxResults caps count (default MaxCount).
	MaxResults int
	// Logger receives Service failures (500s) without personal data.
	Logger *slog.Logger
}

// Handler answers SCIM requests. It holds no mutable state and serves requests
// concurrently.
type Handler struct {
	cfg       Config
	spConfig  []byte
	resTypes  map[string][]byte
	schemas   map[string][]byte
	typesList []byte
	schemaDoc []byte
}

// NewHandler returns a Handler for cfg; Service and Authenticate are required.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Service == nil || cfg.Authenticate == nil {
		return nil, errors.New("scim: Config needs a Service and Authenticate")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBody
	}
	if cfg.MaxResults <= 0 {
		cfg.MaxResults = MaxCount
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg}
	h.buildDiscovery()
	return h, nil
}

// Serve answers one request. It never panics on bad input and answers every error
// with a SCIM error body.
func (h *Handler) Serve(ctx context.Context, r Request) Response {
	token, ok := bearer(r.Authorization)
	if !ok {
		return h.unauthorized()
	}
	client, ok := h.cfg.Authenticate(ctx, token)
	if !ok {
		return h.unauthorized()
	}
	ctx = WithClientID(ctx, client)
	if len(r.Body) > h.cfg.MaxBodyBytes {
		return errorResponse(Errorf(413, "", "the body is larger than %d bytes", h.cfg.MaxBodyBytes))
	}
	segs, err := splitPath(r.Path)
	if err != nil {
		return errorResponse(err)
	}
	q, qerr := url.ParseQuery(r.RawQuery)
	if qerr != nil {
		return errorResponse(badRequest(TypeInvalidSyntax, "the query string is malformed"))
	}
	if len(segs) == 0 {
		return errorResponse(Errorf(404, "", "no resource here; see /ServiceProviderConfig"))
	}
	switch strings.ToLower(segs[0]) {
	case "users":
		return h.users(ctx, r, segs[1:], q)
	case "groups":
		return h.groups(ctx, r, segs[1:], q)
	case "serviceproviderconfig":
		return h.discovery(r, segs, h.spConfig, nil)
	case "resourcetypes":
		return h.discovery(r, segs, h.typesList, h.resTypes)
	case "schemas":
		return h.discovery(r, segs, h.schemaDoc, h.schemas)
	case "bulk", "me", ".search":
		return errorResponse(Errorf(501, "", "%s is not supported", segs[0]))
	}
	return errorResponse(Errorf(404, "", "unknown endpoint"))
}

func (h *Handler) unauthorized() Response {
	resp := errorResponse(Errorf(401, "", "a valid bearer token is required"))
	resp.Header["WWW-Authenticate"] = `Bearer realm="kipass SCIM"`
	return resp
}

// bearer takes the token from "Bearer <token>" (scheme in any case).
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// splitPath returns the unescaped segments of p, ignoring empty ones (a trailing slash).
func splitPath(p string) ([]string, error) {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		u, err := url.PathUnescape(s)
		if err != nil || len(segs) == 3 {
			return nil, Errorf(404, "", "unknown endpoint")
		}
		segs = append(segs, u)
	}
	return segs, nil
}

func (h *Handler) users(ctx context.Context, r Request, rest []string, q url.Values) Response {
	svc := h.cfg.Service
	if len(rest) > 1 {
		return errorResponse(Errorf(404, "", "unknown endpoint"))
	}
	if len(rest) == 0 {
		switch r.Method {
		case "GET":
			f, p, err := h.listParams(q, KindUser)
			if err != nil {
				return errorResponse(err)
			}
			var users []User
			total := 0
			if !f.Empty {
				users, total, err = svc.ListUsers(ctx, f, p)
				if err != nil {
					return h.serviceError("list users", err)
				}
			}
			if p.Count == 0 {
				users = nil
			}
			out := make([]userJSON, len(users))
			for i := range users {
				h.locateUser(&users[i])
				out[i] = users[i].toJSON()
			}
			return h.list(ListResponse[userJSON]{Schemas: []string{SchemaListResponse}, TotalResults: total,
				StartIndex: p.StartIndex, ItemsPerPage: len(users), Resources: out})
		case "POST":
			u, err := DecodeUser(r.Body)
			if err != nil {
				return errorResponse(err)
			}
			u, err = svc.CreateUser(ctx, u)
			if err != nil {
				return h.serviceError("create user", err)
			}
			return h.userResponse(201, u)
		}
		return methodNotAllowed()
	}
	id := rest[0]
	switch r.Method {
	case "GET":
		u, err := svc.GetUser(ctx, id)
		if err != nil {
			return h.serviceError("get user", err)
		}
		return h.userResponse(200, u)
	case "PUT":
		u, err := DecodeUser(r.Body)
		if err != nil {
			return errorResponse(err)
		}
		u, err = svc.ReplaceUser(ctx, id, u)
		if err != nil {
			return h.serviceError("replace user", err)
		}
		return h.userResponse(200, u)
	case "PATCH":
		c, err := ParseUserPatch(r.Body)
		if err != nil {
			return errorResponse(err)
		}
		var u User
		if c.IsZero() {
			u, err = svc.GetUser(ctx, id) // only attributes kipass does not keep
		} else {
			u, err = svc.PatchUser(ctx, id, c)
		}
		if err != nil {
			return h.serviceError("patch user", err)
		}
		return h.userResponse(200, u)
	case "DELETE":
		if err := svc.DeleteUser(ctx, id); err != nil {
			return h.serviceError("delete user", err)
		}
		return Response{Status: 204, Header: map[string]string{}}
	}
	return methodNotAllowed()
}

func (h *Handler) groups(ctx context.Context, r Request, rest []string, q url.Values) Response {
	svc := h.cfg.Service
	if len(rest) > 1 {
		return errorResponse(Errorf(404, "", "unknown endpoint"))
	}
	members := wantMembers(q)
	if len(rest) == 0 {
		switch r.Method {
		case "GET":
			f, p, err := h.listParams(q, KindGroup)
			if err != nil {
				return errorResponse(err)
			}
			var groups []Group
			total := 0
			if !f.Empty {
				groups, total, err = svc.ListGroups(ctx, f, p, members)
				if err != nil {
					return h.serviceError("list groups", err)
				}
			}
			if p.Count == 0 {
				groups = nil
			}
			for i := range groups {
				h.locateGroup(&groups[i])
			}
			return h.list(ListResponse[Group]{Schemas: []string{SchemaListResponse}, TotalResults: total,
				StartIndex: p.StartIndex, ItemsPerPage: len(groups), Resources: nonNil(groups)})
		case "POST":
			g, err := DecodeGroup(r.Body)
			if err != nil {
				return errorResponse(err)
			}
			g, err = svc.CreateGroup(ctx, g)
			if err != nil {
				return h.serviceError("create group", err)
			}
			return h.groupResponse(201, g)
		}
		return methodNotAllowed()
	}
	id := rest[0]
	switch r.Method {
	case "GET":
		g, err := svc.GetGroup(ctx, id, members)
		if err != nil {
			return h.serviceError("get group", err)
		}
		return h.groupResponse(200, g)
	case "PUT":
		g, err := DecodeGroup(r.Body)
		if err != nil {
			return errorResponse(err)
		}
		g, err = svc.ReplaceGroup(ctx, id, g)
		if err != nil {
			return h.serviceError("replace group", err)
		}
		return h.groupResponse(200, g)
	case "PATCH":
		c, err := ParseGroupPatch(r.Body)
		if err != nil {
			return errorResponse(err)
		}
		if c.IsZero() {
			_, err = svc.GetGroup(ctx, id, false)
		} else {
			err = svc.PatchGroup(ctx, id, c)
		}
		if err != nil {
			return h.serviceError("patch group", err)
		}
		return Response{Status: 204, Header: map[string]string{}}
	case "DELETE":
		if err := svc.DeleteGroup(ctx, id); err != nil {
			return h.serviceError("delete group", err)
		}
		return Response{Status: 204, Header: map[string]string{}}
	}
	return methodNotAllowed()
}

// wantMembers reads attributes/excludedAttributes for Groups: Entra ID asks with
// excludedAttributes=members, which spares loading large member lists.
func wantMembers(q url.Values) bool {
	has := func(key string) bool {
		for _, v := range q[key] {
			for _, a := range strings.Split(v, ",") {
				a = strings.TrimSpace(a)
				a = a[strings.LastIndexByte(a, ':')+1:]
				if strings.EqualFold(a, "members") || strings.HasPrefix(strings.ToLower(a), "members.") {
					return true
				}
			}
		}
		return false
	}
	if has("excludedAttributes") {
		return false
	}
	return q.Get("attributes") == "" || has("attributes")
}

func (h *Handler) listParams(q url.Values, kind Kind) (Filter, Page, error) {
	var f Filter
	if raw := q.Get("filter"); strings.TrimSpace(raw) != "" {
		var err error
		if f, err = ParseFilter(raw, kind); err != nil {
			return f, Page{}, err
		}
	}
	p, err := ParsePage(q.Get("startIndex"), q.Get("count"), h.cfg.MaxResults)
	return f, p, err
}

func (h *Handler) locateUser(u *User) {
	u.Meta.ResourceType = "User"
	u.Meta.Location = h.cfg.BaseURL + "/Users/" + url.PathEscape(u.ID)
	for i := range u.Groups {
		u.Groups[i].Ref = h.cfg.BaseURL + "/Groups/" + url.PathEscape(u.Groups[i].Value)
	}
	if u.Emails == nil && u.UserName != "" {
		u.Emails = []Email{{Value: u.UserName, Type: "work", Primary: true}}
	}
}

func (h *Handler) locateGroup(g *Group) {
	g.Meta.ResourceType = "Group"
	g.Meta.Location = h.cfg.BaseURL + "/Groups/" + url.PathEscape(g.ID)
	for i := range g.Members {
		g.Members[i].Ref = h.cfg.BaseURL + "/Users/" + url.PathEscape(g.Members[i].Value)
	}
}

func (h *Handler) userResponse(status int, u User) Response {
	h.locateUser(&u)
	resp := h.jsonResponse(status, u)
	if status == 201 {
		resp.Header["Location"] = u.Meta.Location
	}
	return resp
}

func (h *Handler) groupResponse(status int, g Group) Response {
	h.locateGroup(&g)
	resp := h.jsonResponse(status, g)
	if status == 201 {
		resp.Header["Location"] = g.Meta.Location
	}
	return resp
}

func (h *Handler) list(v any) Response { return h.jsonResponse(200, v) }

func (h *Handler) jsonResponse(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		return h.serviceError("encode", err)
	}
	return Response{Status: status, Header: map[string]string{"Content-Type": ContentType}, Body: b}
}

// serviceError maps a Service error to its SCIM answer; unknown errors are logged and
// answered 500 without their text.
func (h *Handler) serviceError(op string, err error) Response {
	var se *Error
	switch {
	case errors.As(err, &se):
		return errorResponse(se)
	case errors.Is(err, ErrNotFound):
		return errorResponse(Errorf(404, "", "resource not found"))
	case errors.Is(err, ErrUniqueness):
		return errorResponse(Errorf(409, TypeUniqueness, "another resource has this userName, externalId or displayName"))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errorResponse(Errorf(503, "", "the request took too long; try again"))
	}
	h.cfg.Logger.Error("scim: service failed", "op", op, "err", err)
	return errorResponse(Errorf(500, "", "internal error"))
}

func errorResponse(err error) Response {
	var se *Error
	if !errors.As(err, &se) || se.Status < 400 || se.Status > 599 {
		se = Errorf(500, "", "internal error")
	}
	b, _ := json.Marshal(se) // strings and an int always marshal
	return Response{Status: se.Status, Header: map[string]string{"Content-Type": ContentType}, Body: b}
}

func methodNotAllowed() Response {
	return errorResponse(Errorf(405, "", "method not allowed here"))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
