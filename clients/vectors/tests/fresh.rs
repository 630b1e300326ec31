//! The committed vectors are what the codec makes now: a change to the Rust
//! codec that was not followed by regenerating the file fails here (and the
//! clients, which check the file, would otherwise test an old protocol).

#[test]
fn vectors_json_is_generated_from_the_current_codec() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors.json");
    let committed = std::fs::read_to_string(path).expect("clients/vectors/vectors.json");
    let generated = couponsd_vectors::generate();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "the length".to_owned(),
                |line| format!("line {}", line + 1),
            );
        panic!(
            "clients/vectors/vectors.json is stale (first difference at {first_difference}): \
             run `cargo run -p couponsd-vectors > clients/vectors/vectors.json` and commit it"
        );
    }
}

#[test]
fn every_opcode_has_a_request_and_a_reply_vector() {
    let file: serde_json::Value =
        serde_json::from_str(&couponsd_vectors::generate()).expect("the vectors are JSON");
    let messages = file["messages"].as_array().expect("messages");
    let opcodes = file["opcodes"].as_object().expect("opcodes");
    assert_eq!(opcodes.len(), couponsd_client::wire::opcode::ALL.len());
    for name in opcodes.keys() {
        for direction in ["request", "reply"] {
            assert!(
                messages
                    .iter()
                    .any(|m| m["opcode"] == name.as_str() && m["direction"] == direction),
                "no {direction} vector for {name}"
            );
        }
    }
    // Each error code has an error reply.
    let errors = messages
        .iter()
        .filter(|m| m["direction"] == "error")
        .count();
    assert!(errors >= file["error_codes"].as_object().expect("error codes").len() - 1);
}
