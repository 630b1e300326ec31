package couponsd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTokenAuthAndRoles(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokens, []byte("admin:admin-secret-1\nread:reader-secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--token-file", tokens)
	ctx := ctxT(t)

	// A wrong token: UNAUTHENTICATED at Dial, with the server's message.
	_, err := Dial(ctx, []string{s.addr}, Options{Token: "not-a-token"})
	if e := wantCode(t, err, CodeUnauthenticated); e.Message == "" {
		t.Fatal("UNAUTHENTICATED without a message")
	}
	// No token at all, even from loopback, once tokens are configured.
	_, err = Dial(ctx, []string{s.addr}, Options{})
	wantCode(t, err, CodeUnauthenticated)

	admin := s.client(t, Options{Token: "admin-secret-1"})
	c, err := admin.CreateCoupon(ctx, percentCoupon("TOKEN10", 1000, nil, nil))
	if err != nil || c.CreatedBy != "token:admin" {
		t.Fatalf("create as admin: %+v %v", c, err)
	}
	reader := s.client(t, Options{Token: "reader-secret-1"})
	if _, err := reader.GetCoupon(ctx, CouponByCode("TOKEN10")); err != nil {
		t.Fatal(err)
	}
	_, err = reader.Redeem(ctx, RedeemRequest{Code: "TOKEN10", OrderID: "t-1", Order: usdOrder("x", 100)})
	wantCode(t, err, CodePermissionDenied)
	// The connection stays open after PERMISSION_DENIED.
	if _, err := reader.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

// testCA makes a CA and a server certificate for 127.0.0.1 it signs, as PEM
// files in dir; returns the CA pool and the file paths.
func testCA(t *testing.T, dir string) (roots *x509.CertPool, certFile, keyFile string) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "couponsd go test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	certFile = filepath.Join(dir, "server.pem")
	keyFile = filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(caCert)
	return roots, certFile, keyFile
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	roots, certFile, keyFile := testCA(t, dir)
	s := startServer(t, "--tls-cert", certFile, "--tls-key", keyFile, "--plaintext-loopback", "false")
	ctx := ctxT(t)

	// Plaintext is refused by this server, even from loopback.
	_, err := Dial(ctx, []string{s.addr}, Options{})
	wantCode(t, err, CodeUnauthenticated)

	c := s.client(t, Options{TLS: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}})
	if _, err := c.CreateCoupon(ctx, percentCoupon("TLS10", 1000, nil, nil)); err != nil {
		t.Fatal(err)
	}
	r, err := c.Redeem(ctx, RedeemRequest{Code: "TLS10", OrderID: "tls-1", Order: usdOrder("t", 1000)})
	if err != nil || r.Redemption.DiscountAmount != 100 {
		t.Fatalf("redeem over TLS: %+v %v", r, err)
	}

	// A certificate not signed by a trusted CA fails the handshake.
	_, err = Dial(ctx, []string{s.addr}, Options{TLS: &tls.Config{RootCAs: x509.NewCertPool()}})
	var de *dialError
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &de) || !errors.As(err, &unknown) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}
