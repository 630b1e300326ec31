package couponsd

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// The golden vectors of clients/vectors/vectors.json, generated from the Rust
// codec: every request must encode to its exact bytes, every reply and error
// body decode to its exact value, every money conversion and frame match.

type vectorFile struct {
	Format          json.Number                  `json:"format"`
	ProtocolVersion json.Number                  `json:"protocol_version"`
	Opcodes         map[string]string            `json:"opcodes"`
	ErrorCodes      map[string]string            `json:"error_codes"`
	Enums           map[string]map[string]string `json:"enums"`
	Currencies      map[string]string            `json:"currencies"`
	Money           []struct{ Currency, Minor, Decimal string }
	MoneyErrors     []struct{ Currency, Decimal, Error string } `json:"money_errors"`
	Frames          []struct {
		Name      string `json:"name"`
		RequestID string `json:"request_id"`
		Opcode    string `json:"opcode"`
		Status    string `json:"status"`
		BodyHex   string `json:"body_hex"`
		FrameHex  string `json:"frame_hex"`
	} `json:"frames"`
	Messages []struct {
		Name         string  `json:"name"`
		Opcode       string  `json:"opcode"`
		Direction    string  `json:"direction"`
		Case         string  `json:"case"`
		Status       string  `json:"status"`
		NodeToNode   bool    `json:"node_to_node"`
		BodyHex      string  `json:"body_hex"`
		CanonicalHex *string `json:"canonical_hex"` // nil: absent
		Value        any     `json:"value"`
	} `json:"messages"`
}

// requestTypes: every request type this package sends, by opcode.
var requestTypes = func() map[uint16]reflect.Type {
	all := []Request{
		HelloRequest{}, PingRequest{}, ServerInfoRequest{}, CouponCreateRequest{}, CouponGetRequest{},
		CouponUpdateRequest{}, CouponDeleteRequest{}, CouponListRequest{}, ValidateRequest{},
		RedeemRequest{}, ReserveRequest{}, ConfirmRequest{}, ReleaseRequest{}, ReverseRequest{},
		RedemptionGetRequest{}, RedemptionListRequest{}, ReversalListRequest{}, DigestRequest{},
		ClusterStatusRequest{}, ClusterAddRequest{}, ClusterRemoveRequest{}, CampaignCreateRequest{},
		CampaignGetRequest{}, CampaignUpdateRequest{}, CampaignListRequest{}, CampaignSetStatusRequest{},
		CampaignGenerateRequest{}, CampaignCodesRequest{}, CampaignDeleteRequest{}, OrderValidateRequest{},
		OrderRedeemRequest{}, OrderReserveRequest{}, OrderConfirmRequest{}, OrderReleaseRequest{},
		OrderReverseRequest{}, QualifyRequest{}, CampaignAssignRequest{}, FraudOutcomeRequest{},
		FraudModelRequest{}, FraudReportRequest{}, AnalyticsCouponRequest{}, AnalyticsCampaignRequest{},
		AnalyticsOverviewRequest{}, EventsSubscribeRequest{}, WebhookEnableRequest{}, WebhookAddRequest{},
		WebhookListRequest{}, WebhookRemoveRequest{}, WebhookDeliveriesRequest{},
		CampaignDistributeRequest{}, DistributionStatusRequest{}, DistributionReportRequest{},
		BackupBeginRequest{}, BackupPartRequest{}, BackupEndRequest{}, BackupAbortRequest{},
	}
	m := map[uint16]reflect.Type{}
	for _, r := range all {
		m[r.Opcode()] = reflect.TypeOf(r)
	}
	return m
}()

func loadVectors(t *testing.T) *vectorFile {
	path := filepath.Join("..", "vectors", "vectors.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden vectors: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // never a float
	var f vectorFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("golden vectors: %v", err)
	}
	if f.Format.String() != "1" || f.ProtocolVersion.String() != strconv.Itoa(int(ProtocolVersion)) {
		t.Fatalf("vectors format %s, protocol %s: this test knows format 1, protocol 1", f.Format, f.ProtocolVersion)
	}
	return &f
}

func opcodeByName(t *testing.T) map[string]uint16 {
	m := map[string]uint16{}
	for op, name := range OpcodeNames {
		m[name] = op
	}
	return m
}

func TestVectorTables(t *testing.T) {
	f := loadVectors(t)
	byName := opcodeByName(t)
	checked := 0
	// Every opcode of the file is one this client handles, with its number,
	// and the other way round.
	for name, num := range f.Opcodes {
		op, ok := byName[name]
		if !ok || strconv.Itoa(int(op)) != num {
			t.Errorf("opcode %s = %s: this client has %d (known %v)", name, num, op, ok)
		}
		checked++
	}
	if len(f.Opcodes) != len(OpcodeNames) {
		t.Errorf("the file has %d opcodes, this client %d", len(f.Opcodes), len(OpcodeNames))
	}
	for name, num := range f.ErrorCodes {
		n, _ := strconv.Atoi(num)
		if ErrorCode(n).String() != name {
			t.Errorf("error code %s = %s: this client names %d %s", name, num, n, ErrorCode(n))
		}
		checked++
	}
	if len(f.ErrorCodes) != len(errorCodeNames) {
		t.Errorf("the file has %d error codes, this client %d", len(f.ErrorCodes), len(errorCodeNames))
	}
	enums := map[string][]string{
		"CouponType": couponTypeNames, "DiscountType": discountTypeNames, "AdminStatus": adminStatusNames,
		"CouponStatus": couponStatusNames, "DistributionMethod": distributionMethodNames,
		"CriteriaType": criteriaTypeNames, "CriteriaOperator": criteriaOperatorNames,
		"RedemptionStatus": redemptionStatusNames, "NodeRole": nodeRoleNames, "RiskLevel": riskLevelNames,
		"Identifier": identifierNames, "FraudLabel": fraudLabelNames, "CampaignType": campaignTypeNames,
		"CampaignStatus": campaignStatusNames, "CodeCheck": codeCheckNames, "StackClass": stackClassNames,
		"RefundBelowMinimum": refundBelowMinimumNames, "OrderMode": orderModeNames,
		"EventType": eventTypeNames, "DeliveryStatus": deliveryStatusNames,
	}
	for enum, values := range f.Enums {
		names, ok := enums[enum]
		if !ok {
			t.Errorf("enum %s is unknown to this client", enum)
			continue
		}
		if len(values) != len(names)-1 {
			t.Errorf("enum %s: the file has %d values, this client %d", enum, len(values), len(names)-1)
		}
		for name, num := range values {
			n, _ := strconv.Atoi(num)
			if n <= 0 || n >= len(names) || names[n] != name {
				t.Errorf("enum %s: %s = %s differs", enum, name, num)
			}
			checked++
		}
	}
	for code, decimals := range f.Currencies {
		d, ok := CurrencyDecimals(code)
		if !ok || strconv.Itoa(int(d)) != decimals {
			t.Errorf("currency %s: %s decimals, this client %d (known %v)", code, decimals, d, ok)
		}
		checked++
	}
	if len(f.Currencies) != len(currencyDecimals) {
		t.Errorf("the file has %d currencies, this client %d", len(f.Currencies), len(currencyDecimals))
	}
	t.Logf("checked %d table entries", checked)
}

func TestVectorMoney(t *testing.T) {
	f := loadVectors(t)
	for _, m := range f.Money {
		minor, err := strconv.ParseInt(m.Minor, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatMoney(minor, m.Currency); got != m.Decimal {
			t.Errorf("format(%d, %s) = %q, want %q", minor, m.Currency, got, m.Decimal)
		}
		if got, err := ParseMoney(m.Decimal, m.Currency); err != nil || got != minor {
			t.Errorf("parse(%q, %s) = %d %v, want %d", m.Decimal, m.Currency, got, err, minor)
		}
	}
	for _, m := range f.MoneyErrors {
		_, err := ParseMoney(m.Decimal, m.Currency)
		var me *MoneyError
		if !errors.As(err, &me) || string(me.Kind) != m.Error {
			t.Errorf("parse(%q, %s): got %v, want %s", m.Decimal, m.Currency, err, m.Error)
		}
	}
	if len(f.Money) == 0 || len(f.MoneyErrors) == 0 {
		t.Fatal("no money vectors")
	}
	t.Logf("checked %d money conversions both ways and %d refusals", len(f.Money), len(f.MoneyErrors))
}

func TestVectorFrames(t *testing.T) {
	f := loadVectors(t)
	byName := opcodeByName(t)
	codes := map[string]uint16{}
	for c, n := range errorCodeNames {
		codes[n] = uint16(c)
	}
	for _, fr := range f.Frames {
		raw, _ := hex.DecodeString(fr.FrameHex)
		body, _ := hex.DecodeString(fr.BodyHex)
		id, _ := strconv.ParseUint(fr.RequestID, 10, 32)
		op, ok := byName[fr.Opcode]
		status, sok := codes[fr.Status]
		if !ok || !sok {
			t.Fatalf("%s: opcode %s status %s unknown", fr.Name, fr.Opcode, fr.Status)
		}
		got, err := ParseFrame(raw, MaxFrameLength)
		if err != nil || got.RequestID != uint32(id) || got.Opcode != op || got.Status != status || !bytes.Equal(got.Body, body) {
			t.Errorf("%s: parsed %+v %v", fr.Name, got, err)
		}
		if enc := AppendFrame(nil, uint32(id), op, status, body); !bytes.Equal(enc, raw) {
			t.Errorf("%s: encoded %x, want %s", fr.Name, enc, fr.FrameHex)
		}
		// Any flipped bit is a checksum error, never a frame.
		bad := append([]byte(nil), raw...)
		bad[len(bad)-1] ^= 0x40
		if _, err := ParseFrame(bad, MaxFrameLength); err == nil {
			t.Errorf("%s: a corrupted frame parsed", fr.Name)
		}
	}
	if len(f.Frames) == 0 {
		t.Fatal("no frame vectors")
	}
	t.Logf("checked %d frames", len(f.Frames))
}

func TestVectorMessages(t *testing.T) {
	f := loadVectors(t)
	byName := opcodeByName(t)
	counts := map[string]int{}
	for _, m := range f.Messages {
		op, ok := byName[m.Opcode]
		if !ok {
			t.Errorf("%s: opcode %s is not handled by this client", m.Name, m.Opcode)
			continue
		}
		if m.NodeToNode {
			counts["node_to_node (skipped)"]++
			continue
		}
		body, err := hex.DecodeString(m.BodyHex)
		if err != nil {
			t.Fatal(err)
		}
		switch m.Direction {
		case "request":
			rt, ok := requestTypes[op]
			if !ok {
				t.Errorf("%s: no request type for %s", m.Name, m.Opcode)
				continue
			}
			v := reflect.New(rt).Elem()
			if err := fromJSON(m.Value, v); err != nil {
				t.Errorf("%s: building the request: %v", m.Name, err)
				continue
			}
			req := v.Interface().(Request)
			if got := EncodeRequest(nil, req); !bytes.Equal(got, body) {
				t.Errorf("%s: encoded\n%x\nwant\n%s", m.Name, got, m.BodyHex)
				continue
			}
			counts["request"]++
		case "reply":
			checkReply(t, m.Name, op, body, m.Value)
			counts["reply"]++
			if m.CanonicalHex != nil {
				canonical, _ := hex.DecodeString(*m.CanonicalHex)
				checkReply(t, m.Name+" (canonical)", op, canonical, m.Value)
				// What we decode encodes back to the canonical bytes.
				v, _ := DecodeReply(op, body)
				if enc := EncodeReply(nil, v); !bytes.Equal(enc, canonical) {
					t.Errorf("%s: re-encoded %x, want %s", m.Name, enc, *m.CanonicalHex)
				}
				counts["reply canonical"]++
			} else if v, err := DecodeReply(op, body); err == nil {
				if enc := EncodeReply(nil, v); !bytes.Equal(enc, body) {
					t.Errorf("%s: re-encoded %x, want %s", m.Name, enc, m.BodyHex)
				}
			}
		case "error":
			e := errorFromFrame(Frame{Status: 1, Body: body})
			got := map[string]any{"message": e.Message, "leader": e.Leader}
			if !reflect.DeepEqual(got, m.Value) {
				t.Errorf("%s: decoded %v, want %v", m.Name, got, m.Value)
			}
			counts["error"]++
		default:
			t.Errorf("%s: unknown direction %q", m.Name, m.Direction)
		}
	}
	var summary []string
	for k, n := range counts {
		summary = append(summary, k+"="+strconv.Itoa(n))
	}
	sort.Strings(summary)
	t.Logf("checked vectors: %v", summary)
	if counts["request"] == 0 || counts["reply"] == 0 || counts["error"] == 0 {
		t.Fatalf("too few vectors checked: %v", counts)
	}
}

func checkReply(t *testing.T, name string, op uint16, body []byte, want any) {
	t.Helper()
	v, err := DecodeReply(op, body)
	if err != nil {
		t.Errorf("%s: decode: %v", name, err)
		return
	}
	got := toJSON(reflect.ValueOf(v).Elem())
	// Compare as JSON trees: both sides are maps, slices, strings, bools, nil.
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("%s: decoded\n%s\nwant\n%s", name, gotJSON, wantJSON)
	}
}
