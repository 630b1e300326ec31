package couponsd

// HelloReply is the server's answer to the handshake.
type HelloReply struct {
	Version        uint16   `json:"version"`
	ServerVersion  string   `json:"server_version"`
	Role           NodeRole `json:"role"`
	MaxFrameLength uint32   `json:"max_frame_length"`
	MaxInFlight    uint32   `json:"max_in_flight"`
}

// ServerInfo answers SERVER_INFO.
type ServerInfo struct {
	ServerVersion string   `json:"server_version"`
	Role          NodeRole `json:"role"`
	Term          uint64   `json:"term"`
	LSN           uint64   `json:"lsn"`
	Coupons       uint64   `json:"coupons"`
	Redemptions   uint64   `json:"redemptions"`
	UptimeMS      uint64   `json:"uptime_ms"`
	Connections   uint32   `json:"connections"`
	// Appended fields: an older server's reply ends before them.
	WritesFailingSinceMS int64  `json:"writes_failing_since_ms" wire:"tail"`
	StorageError         string `json:"storage_error" wire:"tail"`
}

// Pong answers PING with the node's wall clock.
type Pong struct {
	ServerTimeMS int64 `json:"server_time_ms"`
}

// Digest answers DIGEST: two nodes with the same LSN and digest hold the
// same state.
type Digest struct {
	LSN     uint64    `json:"lsn"`
	Digest  Digest128 `json:"digest"`
	Entries uint64    `json:"entries"`
}

// Digest128 is a 128-bit digest, big-endian (JSON: its decimal value).
type Digest128 [16]byte

// ClusterStatus is one node's view of its cluster.
type ClusterStatus struct {
	NodeID          uint64          `json:"node_id"`
	ClusterID       uint64          `json:"cluster_id"`
	Role            NodeRole        `json:"role"`
	Term            uint64          `json:"term"`
	LeaderID        uint64          `json:"leader_id"`
	LeaderAddr      string          `json:"leader_addr"`
	LastLogIndex    uint64          `json:"last_log_index"`
	CommittedIndex  uint64          `json:"committed_index"`
	AppliedIndex    uint64          `json:"applied_index"`
	LSN             uint64          `json:"lsn"`
	SnapshotIndex   uint64          `json:"snapshot_index"`
	PurgedIndex     uint64          `json:"purged_index"`
	LeaderContactMS uint64          `json:"leader_contact_ms"`
	Members         []ClusterMember `json:"members"`
}

// ClusterMember is one member of the cluster.
type ClusterMember struct {
	NodeID        uint64 `json:"node_id"`
	Addr          string `json:"addr"`
	Voter         bool   `json:"voter"`
	MatchedIndex  uint64 `json:"matched_index"`
	LagEntries    uint64 `json:"lag_entries"`
	LastContactMS uint64 `json:"last_contact_ms"`
}

// BackupHeader answers BACKUP_BEGIN.
type BackupHeader struct {
	ClusterID uint64 `json:"cluster_id"`
	NodeID    uint64 `json:"node_id"`
	LSN       uint64 `json:"lsn"`
	Term      uint64 `json:"term"`
	CreatedMS int64  `json:"created_ms"`
}

// BackupPart answers BACKUP_PART: the part's bytes (a RAFT_SNAPSHOT_PART
// body, opaque here), or nil once every part was sent.
type BackupPart struct {
	Value []byte `json:"value"`
}

func (b BackupPart) marshalWire(w *writer) {
	w.bool(b.Value != nil)
	w.raw(b.Value)
}

func (b *BackupPart) unmarshalWire(r *reader) error {
	more, err := r.bool("more")
	if err != nil {
		return err
	}
	b.Value = nil
	if more {
		b.Value = append([]byte{}, r.buf[r.pos:]...)
		r.pos = len(r.buf)
	}
	return nil
}

// BackupEnd answers BACKUP_END; Digest is set when BACKUP_BEGIN asked for it.
type BackupEnd struct {
	Parts         uint32  `json:"parts"`
	CheckpointLSN uint64  `json:"checkpoint_lsn"`
	LSN           uint64  `json:"lsn"`
	Digest        *Digest `json:"digest"`
}

func (b BackupEnd) marshalWire(w *writer) {
	w.u32(b.Parts)
	w.u64(b.CheckpointLSN)
	w.u64(b.LSN)
	w.bool(b.Digest != nil)
	if b.Digest != nil {
		w.raw(b.Digest.Digest[:])
		w.u64(b.Digest.Entries)
	}
}

func (b *BackupEnd) unmarshalWire(r *reader) (err error) {
	*b = BackupEnd{}
	if b.Parts, err = r.u32("parts"); err != nil {
		return err
	}
	if b.CheckpointLSN, err = r.u64("checkpoint_lsn"); err != nil {
		return err
	}
	if b.LSN, err = r.u64("lsn"); err != nil {
		return err
	}
	digested, err := r.bool("digested")
	if err != nil || !digested {
		return err
	}
	d := &Digest{LSN: b.LSN}
	raw, err := r.take(16, "digest")
	if err != nil {
		return err
	}
	copy(d.Digest[:], raw)
	if d.Entries, err = r.u64("entries"); err != nil {
		return err
	}
	b.Digest = d
	return nil
}
