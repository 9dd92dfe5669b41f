package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/errs"
)

// apiError is the contract's error body.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var kindStatus = map[errs.Kind]int{
	errs.Invalid:      fiber.StatusBadRequest,
	errs.Unauthorized: fiber.StatusUnauthorized,
	errs.Forbidden:    fiber.StatusForbidden,
	errs.NotFound:     fiber.StatusNotFound,
	errs.Conflict:     fiber.StatusConflict,
	errs.TooLarge:     fiber.StatusRequestEntityTooLarge,
	errs.Throttled:    fiber.StatusTooManyRequests,
	errs.Unavailable:  fiber.StatusServiceUnavailable,
}

var statusCode = map[int]string{
	fiber.StatusBadRequest:            "bad_request",
	fiber.StatusUnauthorized:          "unauthorized",
	fiber.StatusForbidden:             "forbidden",
	fiber.StatusNotFound:              "not_found",
	fiber.StatusMethodNotAllowed:      "method_not_allowed",
	fiber.StatusRequestTimeout:        "timeout",
	fiber.StatusRequestEntityTooLarge: "too_large",
	fiber.StatusUnsupportedMediaType:  "unsupported_media_type",
	fiber.StatusTooManyRequests:       "throttled",
	// Headers over fasthttp's read buffer (e.g. too many cookies).
	fiber.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
}

// classify turns any error into a status and a user-safe error. Unknown
// errors become 500 with a generic message; their detail goes to the log only.
func classify(err error) (int, *errs.Error) {
	if e := errs.As(err); e != nil {
		if st, ok := kindStatus[e.Kind]; ok {
			return st, e
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if code, ok := statusCode[fe.Code]; ok {
			msg := fe.Message
			if fe.Code == fiber.StatusNotFound {
				msg = "There is nothing at this address."
			}
			return fe.Code, &errs.Error{Code: code, Message: msg}
		}
	}
	return fiber.StatusInternalServerError, &errs.Error{Code: "internal", Message: "Something went wrong on our side. Please try again later."}
}

// handleError is the app's one error handler: JSON for the API, an HTML
// page otherwise.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	if s.uploads.refused(c) {
		s.setSecurityHeaders(c)
		return s.refuseUpload(c)
	}
	status, e := classify(err)
	s.setSecurityHeaders(c)
	if status >= 500 {
		s.log.Error("internal error", "route", c.Route().Path, "request_id", c.Locals(localReqID), "err", err)
	}
	if status == fiber.StatusTooManyRequests {
		c.Set(fiber.HeaderRetryAfter, "900")
	}
	if isSCIM(c) {
		return s.scimError(c, status, e.Message)
	}
	if isAPI(c) {
		return c.Status(status).JSON(apiError{apiErrorBody{Code: e.Code, Message: e.Message, Fields: e.Fields}})
	}
	return s.renderErrorPage(c, status, e)
}

func isAPI(c *fiber.Ctx) bool {
	p := c.Path()
	return len(p) >= 5 && p[:5] == "/api/"
}
