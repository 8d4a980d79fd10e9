package sandbox

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is one entry of Apple's error document. Status is a string, as
// Apple sends it; every error gets a fresh id like Apple's.
type apiError struct {
	ID     string       `json:"id"`
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *errorSource `json:"source,omitempty"`
}

// errorSource points at the query parameter (or body member) at fault.
type errorSource struct {
	Parameter string `json:"parameter,omitempty"`
	Pointer   string `json:"pointer,omitempty"`
}

type errorDocument struct {
	Errors []*apiError `json:"errors"`
}

func newAPIError(status int, code, title, detail string) *apiError {
	return &apiError{ID: newUUID(), Status: strconv.Itoa(status), Code: code, Title: title, Detail: detail}
}

// Apple's exact 401 text: clients show it, and tests compare it.
const (
	notAuthorizedTitle  = "Authentication credentials are missing or invalid."
	notAuthorizedDetail = "Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"
)

func errNotAuthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, "NOT_AUTHORIZED", notAuthorizedTitle, notAuthorizedDetail)
}

// errForbidden uses the code and title Apple sends when a key's role or kind
// does not allow a request; detail says which rule applied.
func errForbidden(detail string) *apiError {
	return newAPIError(http.StatusForbidden, "FORBIDDEN_ERROR", "This request is forbidden for security reasons", detail)
}

func errNotFound(detail string) *apiError {
	return newAPIError(http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist", detail)
}

func errNoResource(typ, id string) *apiError {
	return errNotFound(fmt.Sprintf("There is no resource of type '%s' with id '%s'", typ, id))
}

func errMethodNotAllowed(method string) *apiError {
	return newAPIError(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "The request method is not valid for the resource path.",
		fmt.Sprintf("The method %s is not allowed for this resource.", method))
}

// errInvalid is PARAMETER_ERROR.INVALID: a known parameter with a bad value.
func errInvalid(param, detail string) *apiError {
	e := newAPIError(http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value", detail)
	e.Source = &errorSource{Parameter: param}
	return e
}

// errIllegal is PARAMETER_ERROR.ILLEGAL: a parameter this request does not take.
func errIllegal(param string) *apiError {
	e := newAPIError(http.StatusBadRequest, "PARAMETER_ERROR.ILLEGAL", "A parameter is not allowed for this request",
		fmt.Sprintf("The parameter '%s' can not be used with this request", param))
	e.Source = &errorSource{Parameter: param}
	return e
}

// entityTitle is the title of Apple's 409s; clients often show it and the
// detail joined by " - ".
const entityTitle = "There is a problem with the request entity"

// errEntity is a 409 about the request body: code is ENTITY_ERROR or one of
// its refinements (ENTITY_ERROR.ATTRIBUTE.INVALID, ...), pointer the JSON
// pointer of the member at fault ("" for none).
func errEntity(code, pointer, detail string) *apiError {
	e := newAPIError(http.StatusConflict, code, entityTitle, detail)
	if pointer != "" {
		e.Source = &errorSource{Pointer: pointer}
	}
	return e
}

// errUnprocessable is Apple's 422 for a body that is not a request document.
func errUnprocessable(detail string) *apiError {
	return newAPIError(http.StatusUnprocessableEntity, "ENTITY_UNPROCESSABLE",
		"The request entity is not a valid request document object", detail)
}

// errNotAllowed is the 403 Apple sends when the key's role is too low for a
// write (Admin is needed for distribution certificates and profiles).
func errNotAllowed() *apiError {
	return errForbidden("You are not allowed to perform this operation. Please check with one of your Team Admins, " +
		"or, if you need further assistance, please contact Apple Developer Program Support. https://developer.apple.com/support")
}

func errRateLimited() *apiError {
	return newAPIError(http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached.",
		"We've received too many requests for this API. Please wait and try again or slow down your request rate.")
}

func errUnexpected(status int) *apiError {
	return newAPIError(status, "UNEXPECTED_ERROR", "An unexpected error occurred.",
		"An unexpected error occurred on the server side. If this issue continues, contact us at https://developer.apple.com/contact/.")
}

// newUUID returns a random version 4 UUID in lower case.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
