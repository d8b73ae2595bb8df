// Attribute hygiene (what makes a span useless or dangerous to keep) and the clock-skew report.

#include <functional>

#include "finders.h"
#include "hoptrace/analysis/secrets.h"
#include "hoptrace/analysis/span_semantics.h"

namespace hoptrace::analysis::internal {
namespace {

// Values that already hide the secret.
bool LooksRedacted(std::string_view value) {
  if (value.empty()) return true;
  for (std::string_view marker : {"***", "redacted", "REDACTED", "[filtered]", "<hidden>", "xxxx"}) {
    if (value.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

// Why an attribute holds a credential, or empty.
std::string SecretReason(const model::Attribute& attribute) {
  const auto* text = std::get_if<std::string>(&attribute.value);
  const std::vector<std::string>* texts = std::get_if<std::vector<std::string>>(&attribute.value);
  std::vector<std::string_view> values;
  if (text) values.push_back(*text);
  if (texts) values.insert(values.end(), texts->begin(), texts->end());
  for (std::string_view value : values) {
    if (auto kind = SecretInValue(value)) return *kind;
    if (IsSecretKey(attribute.key) && !LooksRedacted(value)) return "credential-named key";
  }
  return {};
}

std::size_t ValueBytes(const model::AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return text->size();
  if (const auto* texts = std::get_if<std::vector<std::string>>(&value)) {
    std::size_t bytes = 0;
    for (const std::string& item : *texts) bytes += item.size();
    return bytes;
  }
  return 0;
}

// One finding for every span matching `problem` (which returns a note, or empty when fine).
void Collect(const Context& context, FindingKind kind, const std::function<std::string(std::size_t node)>& problem,
             const std::function<std::string(std::size_t first, std::size_t count)>& headline,
             std::vector<Finding>* out) {
  Finding finding{kind, "", 0, 0, {}};
  std::size_t count = 0;
  for (std::size_t index : context.view.preorder()) {
    std::string note = problem(index);
    if (note.empty()) continue;
    if (count++ < context.options.max_evidence) finding.evidence.push_back(context.Cite(index, 0, std::move(note)));
  }
  if (count == 0) return;
  finding.headline = headline(finding.evidence.front().node, count);
  out->push_back(std::move(finding));
}

std::string MissingHttpFields(const model::Span& span) {
  std::string missing;
  const auto require = [&](std::string_view what, std::initializer_list<std::string_view> keys) {
    if (!HasAnyAttribute(span, keys)) missing += (missing.empty() ? "" : ", ") + std::string(what);
  };
  require("method", {"http.request.method", "http.method"});
  if (span.kind == model::SpanKind::kServer) {
    require("route", {"http.route"});
  } else {
    require("url", {"url.full", "http.url", "url.path", "http.target"});
  }
  require("status", {"http.response.status_code", "http.status_code"});
  return missing;
}

void FindSecrets(const Context& context, std::vector<Finding>* out) {
  std::string first_key, first_reason;
  Collect(
      context, FindingKind::kSecret,
      [&](std::size_t index) {
        const SpanNode& node = context.view.node(index);
        std::string notes;
        const auto check = [&](const model::Attributes& attributes, std::string_view where) {
          for (const model::Attribute& attribute : attributes) {
            const std::string reason = SecretReason(attribute);
            if (reason.empty()) continue;
            if (first_key.empty()) first_key = attribute.key, first_reason = reason;
            notes += (notes.empty() ? "" : "; ") + std::string(where) + attribute.key + ": " + reason;
          }
        };
        check(node.span->attributes, "");
        for (const model::Event& event : node.span->events) check(event.attributes, "event " + event.name + " ");
        return notes;
      },
      [&](std::size_t first, std::size_t count) {
        return DescribeSpan(context.view, first) + " carries a credential in attribute " + first_key + " (" +
               first_reason + "): redact it before export and rotate it" +
               (count > 1 ? " (" + std::to_string(count) + " spans carry credentials)" : "");
      },
      out);
}

void FindMissingAttributes(const Context& context, std::vector<Finding>* out) {
  const auto headline_for = [&](std::string what) {
    return [&context, what](std::size_t first, std::size_t count) {
      return std::to_string(count) + " span(s) " + what + ", e.g. " + DescribeSpan(context.view, first);
    };
  };
  Collect(context, FindingKind::kMissingAttributes,
          [&](std::size_t index) {
            return context.view.node(index).span->attributes.empty() ? std::string("no attributes") : std::string();
          },
          headline_for("carry no attributes at all: nothing says what they did"), out);
  Collect(context, FindingKind::kMissingAttributes,
          [&](std::size_t index) {
            return context.calls[index].database && DatabaseStatement(*context.view.node(index).span).empty()
                       ? std::string("no db.query.text / db.statement")
                       : std::string();
          },
          headline_for("call a database without db.query.text or db.statement"), out);
  Collect(context, FindingKind::kMissingAttributes,
          [&](std::size_t index) {
            const model::Span& span = *context.view.node(index).span;
            const model::SpanKind kind = span.kind;
            if (!context.calls[index].http || (kind != model::SpanKind::kServer && kind != model::SpanKind::kClient)) return std::string();
            const std::string missing = MissingHttpFields(span);
            return missing.empty() ? missing : "HTTP span without " + missing;
          },
          headline_for("are HTTP spans without their method, route/URL or status"), out);
}

void FindOversized(const Context& context, std::vector<Finding>* out) {
  const std::size_t limit = context.options.oversized_value_bytes;
  std::string first_key;
  std::size_t first_bytes = 0;
  Collect(
      context, FindingKind::kOversizedAttribute,
      [&](std::size_t index) {
        std::string notes;
        for (const model::Attribute& attribute : context.view.node(index).span->attributes) {
          const std::size_t bytes = ValueBytes(attribute.value);
          if (bytes <= limit) continue;
          if (first_key.empty()) first_key = attribute.key, first_bytes = bytes;
          notes += (notes.empty() ? "" : "; ") + attribute.key + ": " + std::to_string(bytes) + " bytes";
        }
        return notes;
      },
      [&](std::size_t first, std::size_t count) {
        return DescribeSpan(context.view, first) + " carries " + first_key + " of " + std::to_string(first_bytes) +
               " bytes (limit " + std::to_string(limit) + ")" +
               (count > 1 ? "; " + std::to_string(count) + " spans carry oversized values" : "") +
               ": cut it or move it to a log";
      },
      out);
}

void ReportClockSkew(const Context& context, std::vector<Finding>* out) {
  const auto& adjustments = context.view.skew_adjustments();
  if (adjustments.empty()) return;
  const SkewAdjustment& first = adjustments.front();
  const SpanNode& node = context.view.node(first.node);
  const SpanNode& parent = context.view.node(first.parent);
  const auto where = [](const SpanNode& at) { return std::string(at.host.empty() ? at.service : at.host); };
  const auto signed_nanos = [](std::int64_t shift) {
    std::string text = shift < 0 ? "-" : "+";  // not "-" + string: GCC 12 at -O3 warns falsely (-Wrestrict)
    return text += FormatNanos(ShiftMagnitude(shift));
  };
  std::string headline =
      first.adjusted ? "clock skew: " + DescribeSpan(context.view, first.node) + " was shifted by " +
                           signed_nanos(first.shift_nanos) + " to fit inside its parent " +
                           DescribeSpan(context.view, first.parent) + " (clocks of " + where(node) + " and " +
                           where(parent) + " disagree)"
                     : "clock skew: " + DescribeSpan(context.view, first.node) +
                           " lies outside its parent but is longer than it, so it was left as recorded";
  if (adjustments.size() > 1) headline += "; " + std::to_string(adjustments.size()) + " adjustments in all";
  Finding finding{FindingKind::kClockSkew, std::move(headline), 0, 0, {}};
  for (const SkewAdjustment& adjustment : adjustments) {
    finding.evidence.push_back(context.Cite(
        adjustment.node, 0, adjustment.adjusted ? "shifted by " + signed_nanos(adjustment.shift_nanos) : "not adjustable"));
  }
  out->push_back(std::move(finding));
}

}  // namespace

void FindHygiene(const Context& context, std::vector<Finding>* out) {
  FindSecrets(context, out);
  FindMissingAttributes(context, out);
  FindOversized(context, out);
  ReportClockSkew(context, out);
}

}  // namespace hoptrace::analysis::internal
