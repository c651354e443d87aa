file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from api-models/model/lambda-esm-model.json; do not edit.\n"
  "#include <string_view>\nnamespace esm::api_models {\n"
  "extern const std::string_view kEmbeddedModel;\n"
  "const std::string_view kEmbeddedModel = R\"MODEL(${content})MODEL\";\n}\n")
