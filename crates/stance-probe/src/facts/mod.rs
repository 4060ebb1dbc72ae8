//! Facts gathered once and shared by the checks: processes, mounts, OS release,
//! platform context, isolation, network.

pub mod isolation;
pub mod mounts;
pub mod net;
pub mod os;
pub mod platform;
pub mod proc;
