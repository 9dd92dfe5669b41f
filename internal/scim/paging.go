package scim

import "strconv"

// Page is the window of a list request (RFC 7644 section 3.4.2.4): StartIndex is
// 1-based, Count is the most resources to return. The Service returns the resources
// at positions StartIndex..StartIndex+Count-1 in a stable order (kipass: by id), and
// the total number that match the filter.
type Page struct {
	StartIndex int
	Count      int
}

// Offset is the number of matching resources to skip (StartIndex-1).
func (p Page) Offset() int { return p.StartIndex - 1 }

// Paging defaults: providers ask for 100 (Okta) or less; the cap keeps one request
// from serialising the whole directory.
const (
	DefaultCount = 100
	MaxCount     = 1000
)

// ParsePage reads startIndex and count as RFC 7644 says: startIndex below 1 means 1,
// a negative count means 0, no count means DefaultCount, and count is capped at
// maxCount. A value that is not an integer is 400 invalidValue.
func ParsePage(startIndex, count string, maxCount int) (Page, error) {
	p := Page{StartIndex: 1, Count: min(DefaultCount, maxCount)}
	if startIndex != "" {
		n, err := parseInt(startIndex)
		if err != nil {
			return Page{}, badRequest(TypeInvalidValue, "startIndex must be an integer")
		}
		p.StartIndex = max(n, 1)
	}
	if count != "" {
		n, err := parseInt(count)
		if err != nil {
			return Page{}, badRequest(TypeInvalidValue, "count must be an integer")
		}
		p.Count = min(max(n, 0), maxCount)
	}
	return p, nil
}

// parseInt accepts any integer and saturates huge ones: "startIndex=99999999999999999999"
// is a request past the end, not a syntax error.
func parseInt(s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return int(n), nil
	}
	return int(n), err
}
