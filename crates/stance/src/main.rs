//! The `stance` command. All logic lives in the library crates; see `stance::run`.

fn main() -> std::process::ExitCode {
    stance::run()
}
