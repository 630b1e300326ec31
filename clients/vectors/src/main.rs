//! Prints the golden vectors: `cargo run -p couponsd-vectors > clients/vectors/vectors.json`.

fn main() {
    print!("{}", couponsd_vectors::generate());
}
