#include "serve_fixture.h"

namespace hoptrace::cli::e2e {

std::unique_ptr<TempDir> ServeFixture::temp_;
std::unique_ptr<ServeProcess> ServeFixture::serve_;
bool ServeFixture::serve_started_ = false;
std::string ServeFixture::start_error_;

void ServeFixture::SetUpTestSuite() {
  temp_ = std::make_unique<TempDir>();
  serve_ = std::make_unique<ServeProcess>(temp_->path() / "data");
  serve_started_ = serve_->Start(&start_error_);
}

void ServeFixture::TearDownTestSuite() {
  if (serve_started_) {
    const auto status = serve_->Terminate();
    EXPECT_TRUE(status && status->Succeeded())
        << "hoptrace serve did not stop cleanly on SIGTERM: "
        << (status ? status->Describe() : "still running after 30 s") << "\n"
        << serve_->Output();
  }
  serve_.reset();
  temp_.reset();
}

}  // namespace hoptrace::cli::e2e
