"""The securities master and quotes the counter exports; the product library, suitability
rules and the record of checks, confirmations and sales."""

from .compliance import (
    ComplianceFlag,
    ComplianceRun,
    ComplianceRunStatus,
    FlagKind,
    TargetBasis,
)
from .library import Product, ProductKind, ProductStatus
from .sales import ProductSale, SaleChannel, SaleSource
from .securities import Market, Quote, Security, SecurityType
from .suitability import (
    ApplicationDirection,
    ApplicationStatus,
    ApplicationStep,
    CheckPurpose,
    CheckResult,
    InvestorCategory,
    ProfessionalApplication,
    SuitabilityCheck,
    SuitabilityConfirmation,
    SuitabilityRule,
)
from .vocabulary import (
    HORIZON_ORDER,
    InvestHorizon,
    InvestVariety,
    ProductRisk,
    ProfessionalClass,
    varieties_of,
)

__all__ = [
    "HORIZON_ORDER",
    "ApplicationDirection",
    "ApplicationStatus",
    "ApplicationStep",
    "CheckPurpose",
    "CheckResult",
    "ComplianceFlag",
    "ComplianceRun",
    "ComplianceRunStatus",
    "FlagKind",
    "InvestHorizon",
    "InvestVariety",
    "InvestorCategory",
    "Market",
    "Product",
    "ProductKind",
    "ProductRisk",
    "ProductSale",
    "ProductStatus",
    "ProfessionalApplication",
    "ProfessionalClass",
    "Quote",
    "SaleChannel",
    "SaleSource",
    "Security",
    "SecurityType",
    "SuitabilityCheck",
    "SuitabilityConfirmation",
    "SuitabilityRule",
    "TargetBasis",
    "varieties_of",
]
