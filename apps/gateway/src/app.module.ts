import { DynamicModule, Module, Type } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { GatewayConfig } from './config/gateway.config';
import { CoreModule } from './core.module';
import { DocsModule } from './docs/docs.module';
import { HealthModule } from './health/health.module';
import { InferenceModule } from './inference/inference.module';
import { QuantizationsModule } from './quantizations/quantizations.module';

/**
 * The gateway's feature modules. Further APIs (quantization jobs, the model
 * store, deployments) join this list as their own modules.
 */
export const FEATURE_MODULES: Type[] = [AuthModule, AdminModule, InferenceModule, QuantizationsModule, HealthModule, DocsModule];

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return { module: AppModule, imports: [CoreModule.forRoot(config), ...FEATURE_MODULES] };
  }
}
