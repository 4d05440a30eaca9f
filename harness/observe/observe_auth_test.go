package observe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A registered Authenticator adds its credentials to every probe of its
// address, and only of it; removing it stops them.
func TestAuthenticateAddsCredentialsToItsAddressOnly(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"beans":[]}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	Authenticate(addr, func(r *http.Request) error { r.Header.Set("Authorization", "Negotiate token"); return nil })
	var v map[string]any
	require.NoError(t, getJSON(context.Background(), srv.URL+"/jmx", &v))
	Authenticate(addr, nil)
	require.NoError(t, getJSON(context.Background(), srv.URL+"/jmx", &v))
	assert.Equal(t, []string{"Negotiate token", ""}, got)
}
