//! Integration tests of cosabi-reports: documents made from real replicas on disk.

mod acta;
mod cuadernillo;
mod expediente;
mod seal;
mod support;
