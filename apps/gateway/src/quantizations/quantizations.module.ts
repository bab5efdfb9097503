import { Module } from '@nestjs/common';
import { StoredModelsModule } from '../stored-models/stored-models.module';
import { QuantizationQueues, quantQueuesProvider } from './quantization-queues.provider';
import { QuantizationRepository } from './quantization.repository';
import { QuantizationsController } from './quantizations.controller';
import { QuantizationsService } from './quantizations.service';

/** The quantization jobs API; brings the stored-models API (uploads, listing) with it. */
@Module({
  imports: [StoredModelsModule],
  controllers: [QuantizationsController],
  providers: [quantQueuesProvider, QuantizationQueues, QuantizationRepository, QuantizationsService],
})
export class QuantizationsModule {}
